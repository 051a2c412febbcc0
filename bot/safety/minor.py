"""Whether someone says they themselves are under 18 (not a parent writing about a child)."""

from __future__ import annotations

import re
import unicodedata

# Someone saying they themselves are under 18 (not a parent writing about a child).
_MINOR = re.compile(
    "|".join(
        [
            r"(?:私|わたし|僕|ぼく|俺|おれ|自分)(?:は|、)?(?:まだ)?(?:小学|中学|高校)(?:生|[0-9一二三四五六]年生?)(?:です|だ|。|、|$)",
            # At the very start, these are about the writer ("中学生です。…"); after a word such as
            # 子どもは they are about someone else, so they must start the message.
            r"^(?:小学|中学|高校)(?:生|[0-9一二三四五六]年生?)(?:です|だよ|だけど|なんですが|なのですが)",
            r"^(?:1[0-7]|[6-9])(?:歳|さい)(?:です|だよ|だけど|なんですが|なのですが)",
            r"(?:私|わたし|僕|ぼく|俺|おれ|自分)(?:は|、)?(?:まだ)?(?:1[0-7]|[6-9])(?:歳|さい)(?:です|だ|。|、|$)",
            r"(?<![0-9])(?:1[0-7]|[6-9])(?:歳|さい)の(?:私|僕|わたし|ぼく)",
            r"^(?:18歳未満|未成年|みせいねん)です",
            r"(?:私|わたし|僕|ぼく)(?:は)?(?:18歳未満|未成年|みせいねん)",
            r"^(?:ちゅうがく|こうこう|しょうがく)せいです",
            r"(?:わたし|ぼく|おれ|じぶん)(?:は)?(?:まだ)?(?:ちゅうがく|こうこう|しょうがく)せい",
            r"(?<![a-z])(?:i am|i'm|im) (?:only )?(?:1[0-7]|[6-9])(?: years? old)?"
            r"(?=$|[,.!?]| and | but | so )",
            r"(?<![a-z])(?:i am|i'm|im) (?:in )?"
            r"(?:high|middle|junior high|elementary|primary) school",
            r"(?<![a-z])(?:i am|i'm|im) (?:under 18|a minor)",
        ]
    )
)


def says_minor(text: str) -> bool:
    """Whether someone says they themselves are under 18."""
    return bool(_MINOR.search(normalize(text)))


def normalize(text: str) -> str:
    """Folds width and case and drops spaces inside Japanese, so variants match."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = folded.replace("’", "'").replace("‘", "'")
    # Japanese is written without spaces; residents sometimes add them (やさしい日本語 often does).
    # Only between kana and kanji: Vietnamese and Korean words are separated by spaces.
    cjk = "\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f"
    return re.sub(rf"(?<=[{cjk}])\s+(?=[{cjk}])", "", folded)
