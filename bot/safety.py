"""Crisis detection: does a resident's free text suggest danger to life or safety?

Phrases in Japanese, easy Japanese and English, and the commonest ones in Chinese, Korean
and Vietnamese. When in doubt it says yes: showing the
emergency lines to someone who did not need them costs little; missing someone who did
costs much. Exclusions remove a few everyday phrases that share words with crises
(殺虫剤, "dying to help") before the search.
"""

from __future__ import annotations

import re
import unicodedata

# Everyday phrases removed before searching, so they cannot trigger on their own.
_EXCLUSIONS = [
    r"殺虫", r"叩き売", r"自殺予防", r"自殺対策", r"虐待防止", r"暴力防止", r"ＤＶ防止", r"dv防止",
    r"死ぬほど(?:嬉|うれ|楽|たの|おいし|美味|面白|おもしろ|笑)",
    r"食べ物の寄付", r"食料の寄付", r"食べ物を寄付", r"食品ロス",
    r"dying to", r"killing time", r"kill(?:ing)? (?:some )?time", r"is killing my (?:plants|back|feet)",
    r"no food (?:allerg|restrict|preference)", r"suicide prevention", r"abuse prevention",
    r"violence prevention", r"food drive", r"donate food", r"food donation",
    r"not (?:an |a )?emergency", r"no emergency", r"starving for (?:information|attention|knowledge|news)", r"緊急ではな", r"緊急じゃな", r"緊急性はな",
]

_JAPANESE = [
    # Wishing to die or disappear, self-harm
    r"死にた", r"死のう", r"死んでしま", r"死ぬしか", r"死ぬつもり", r"死んだほうが", r"死んだ方が",
    r"消えたい", r"消えてしまいたい", r"いなくなりたい", r"居なくなりたい", r"生きていたくない",
    r"生きたくない", r"生きていても仕方", r"生きてても仕方", r"生きる意味", r"生きるのが(?:つら|辛|しんど)",
    r"自殺", r"自死", r"首を(?:つ|吊)", r"首吊", r"飛び降り", r"リストカット", r"リスカ", r"自傷",
    r"手首を切", r"薬を(?:たくさん|大量|いっぱい|全部)", r"大量に(?:飲|服)", r"オーバードーズ", r"(?<![a-z])od(?![a-z])",
    r"終わりにしたい", r"終わらせたい", r"楽になりたい", r"もう限界", r"(?:朝|明日)が来なければ",
    r"目が覚めなければ", r"いなくなった(?:ほう|方)が", r"いなくなっても", r"消えよう", r"死んだら",
    r"死ねばいい", r"死ね", r"道連れ", r"心中", r"練炭", r"遺書", r"睡眠薬", r"生きて(?:いる|る)のが(?:つら|辛|しんど)",
    # Violence, abuse, threats
    r"殺され", r"殺す", r"殺そう", r"殺して", r"殴[らりるっれ]", r"なぐ[らりるっれ]", r"蹴[らりるっ]",
    r"叩[かきくい]", r"たたかれ", r"待ち伏せ", r"怖くて帰れ", r"取り上げ", r"性的な(?:こと|被害|暴力|行為)",
    r"出してもらえ(?:ない|ません)", r"外に出(?:られ|して)(?:ない|ません|もらえ)", r"(?:人|父|母|夫|妻|祖父|祖母|親|子|部屋で|家で)が?倒れ", r"倒れて動けない", r"動けない",
    r"息をしてい(?:ない|ません)", r"すぐ助け", r"暴力", r"暴れ", r"虐待", r"(?<![a-z])dv(?![a-z])", r"首を絞め", r"首をしめ", r"脅され",
    r"脅迫", r"ストーカー", r"つきまと", r"付きまと", r"監禁", r"閉じ込め", r"性暴力", r"性被害",
    r"レイプ", r"無理やり", r"襲われ", r"刃物", r"包丁を", r"火をつけ", r"命の危険", r"命が危",
    r"身の危険", r"怖くて家に", r"家に帰れない", r"帰るのが怖", r"逃げたい", r"逃げてきた", r"追い出され",
    r"怪我をさせ", r"けがをさせ", r"あざ",
    # Urgent help
    r"今すぐ助けて", r"すぐに助けて", r"誰か助けて", r"助けて[!！]", r"助けて$", r"^助けて", r"今すぐ来て",
    r"救急車", r"緊急",
    # No food, not eating
    r"食べ物がない", r"食べ物が(?:ありません|無い|何も|なくなっ|もうない|もうありません|尽き)",
    r"食べるものが(?:もう)?(?:ない|ありません|無い|何も)", r"水しか飲んで", r"所持金が0円",
    r"(?:米|食べ物|食料|ご飯)も買え", r"食費が(?:ない|ありません)", r"食べさせてもらえ",
    r"ご飯(?:も|を)?もらって(?:い)?(?:ない|ません)", r"食事(?:を|も)?抜かれ",
    r"(?:何も|なにも|ほとんど)食べて",
    r"食料がない", r"食料が(?:ありません|無い|尽き)", r"何も食べて(?:いない|ない|いません)",
    r"(?:[0-9０-９一二三四五六七八九十]+|数)日(?:間)?(?:何も)?食べて(?:いない|ない|いません)",
    r"ご飯(?:が|を)?(?:食べられない|ない|ありません)", r"ごはん(?:が|を)?(?:たべられない|食べられない|ない|ありません)",
    r"飢え", r"餓死", r"米もない", r"お金も食べ物も",
    r"今夜(?:寝る|泊まる)(?:場所|ところ)が(?:ない|ありません)", r"野宿",
]

_EASY = [
    r"しにたい", r"しにたく", r"しのう", r"しんだほうが", r"きえたい", r"いきたくない", r"いきていたくない",
    r"じさつ", r"おきたくない", r"ずっとねむって", r"ころされ", r"ころす", r"なぐら", r"なぐる", r"なぐり",
    r"けられ", r"けります", r"たたき", r"たたか", r"たたい", r"ぼうりょく", r"ぎゃくたい", r"こわい",
    r"とじこめ", r"てをきり", r"ちがでて", r"くすりを(?:たくさん|ぜんぶ|いっぱい)", r"たすけて",
    r"たべもの(?:が|も)?(?:ぜんぜん|なにも|もう)?(?:ない|ありません)",
    r"たべるもの(?:が|も)?(?:ぜんぜん|なにも|もう)?(?:ない|ありません)",
    r"ごはん(?:が|も)?(?:ない|ありません)", r"(?:ごはん|なにも)を?たべて(?:い)?(?:ない|ません)",
    r"なにもたべて", r"おなかがすいて", r"にげたい", r"いえにかえれない", r"ねるところが(?:ない|ありません)",
]

_ENGLISH = [
    r"want(?:s)? to die", r"wanna die", r"wish i (?:was|were) dead", r"better off dead",
    r"kill (?:myself|me)", r"end (?:my|it) (?:life|all)", r"end it all", r"suicid", r"take my (?:own )?life",
    r"(?:don'?t|do not) want to (?:live|be alive|wake up|exist)", r"no reason to live",
    r"can'?t go on", r"hurt(?:ing)? myself", r"self[- ]harm", r"cut(?:ting)? myself", r"overdose",
    r"(?:took|take|taking|swallowed) (?:a lot of|too many|all (?:my|the)) (?:pills|tablets|medicine)",
    r"disappear forever", r"want to disappear", r"not be here anymore", r"(?:nobody|no one) would miss me",
    r"better off without me", r"ending it\b", r"end it\b", r"goodbye letter", r"suicide note",
    r"reason to live", r"jump(?:ing)? (?:in front of|off|from)", r"sleeping pills",
    r"saved up (?:pills|tablets)", r"hurt (?:my|the) (?:baby|child|kids?|children)",
    r"\bhits? me\b", r"\bhit (?:me|him|her|them|us)\b", r"\b(?:hits|beats|kicks|punches|slaps)\b",
    r"\bbeats? me\b", r"\bbeat me\b", r"\bbeaten\b", r"kick(?:s|ed)? me", r"bruis", r"forced me",
    r"took my passport", r"(?:will not|won'?t|doesn'?t|does not) let me (?:go|leave|out)",
    r"not breathing", r"can'?t breathe", r"come quick",
    r"punch(?:es|ed)? me", r"chok(?:e|es|ed|ing) me", r"slap(?:s|ped)? me", r"abus", r"violen",
    r"going to kill", r"will kill", r"threaten", r"\bstalk", r"\braped?\b", r"sexual(?:ly)? assault",
    r"assault", r"afraid to go home", r"scared to go home", r"can'?t go home", r"locked (?:me )?in",
    r"\bunsafe\b", r"in danger", r"life is in danger", r"\bknife\b", r"help me now",
    r"someone help", r"help!", r"^help$", r"\bemergency\b",
    r"no food", r"nothing to eat", r"(?:no|not|didn'?t|haven'?t) eat", r"haven'?t eaten", r"have not eaten", r"not eaten (?:for|in)",
    r"\bstarv", r"no money for food", r"can'?t (?:afford|buy) food", r"run out of food", r"ran out of food",
    r"out of food", r"nowhere to sleep", r"sleeping (?:outside|rough|on the street)",
    r"kicked (?:me )?out", r"homeless",
]

# Simplified Chinese, Korean and Vietnamese: the commonest ways of saying the same things.
_OTHER = [
    r"想死", r"不想活", r"活不下去", r"自杀", r"轻生", r"跳楼", r"割腕", r"吃了很多药", r"被打",
    r"打我", r"家暴", r"家庭暴力", r"虐待", r"要杀", r"杀了我", r"威胁", r"救命", r"快来救",
    r"没有吃的", r"没有食物", r"没饭吃", r"(?:几|[0-9一二三四五六七八九十])天没(?:有)?吃", r"饿",
    r"죽고\s?싶", r"살고\s?싶지", r"자살", r"목숨을", r"맞고\s?있", r"때려", r"때립", r"폭력",
    r"학대", r"죽이겠", r"죽일", r"살려\s?주세요", r"도와\s?주세요", r"먹을\s?것이\s?없", r"굶",
    r"muốn chết", r"không muốn sống", r"tự tử", r"tự sát", r"bị đánh", r"đánh tôi", r"bạo lực",
    r"ngược đãi", r"bạo hành", r"giết", r"đe dọa", r"cứu tôi", r"cứu với", r"cứu giúp",
    r"không có (?:gì|đồ) (?:để )?ăn", r"không có thức ăn", r"nhịn đói", r"chưa ăn gì",
]

_EXCLUDE = re.compile("|".join(_EXCLUSIONS))
_DANGER = re.compile("|".join(_JAPANESE + _EASY + _ENGLISH + _OTHER))


# Someone saying they themselves are under 18 (not a parent writing about a child).
_MINOR = re.compile("|".join([
    r"(?:私|わたし|僕|ぼく|俺|おれ|自分)(?:は|、)?(?:まだ)?(?:小学|中学|高校)(?:生|[0-9一二三四五六]年生?)(?:です|だ|。|、|$)",
    # At the very start, these are about the writer ("中学生です。…"); after a word such as
    # 子どもは they are about someone else, so they must start the message.
    r"^(?:小学|中学|高校)(?:生|[0-9一二三四五六]年生?)(?:です|だよ|だけど|なんですが|なのですが)",
    r"^(?:1[0-7]|[6-9])(?:歳|さい)(?:です|だよ|だけど|なんですが|なのですが)",
    r"(?:私|わたし|僕|ぼく|俺|おれ|自分)(?:は|、)?(?:まだ)?(?:1[0-7]|[6-9])(?:歳|さい)(?:です|だ|。|、|$)",
    r"(?<![0-9])(?:1[0-7]|[6-9])(?:歳|さい)の(?:私|僕|わたし|ぼく)",
    r"^(?:18歳未満|未成年|みせいねん)です", r"(?:私|わたし|僕|ぼく)(?:は)?(?:18歳未満|未成年|みせいねん)",
    r"^(?:ちゅうがく|こうこう|しょうがく)せいです",
    r"(?:わたし|ぼく|おれ|じぶん)(?:は)?(?:まだ)?(?:ちゅうがく|こうこう|しょうがく)せい",
    r"(?<![a-z])(?:i am|i'm|im) (?:only )?(?:1[0-7]|[6-9])(?: years? old)?(?=$|[,.!?]| and | but | so )",
    r"(?<![a-z])(?:i am|i'm|im) (?:in )?(?:high|middle|junior high|elementary|primary) school",
    r"(?<![a-z])(?:i am|i'm|im) (?:under 18|a minor)",
]))


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


def suggests_danger(text: str) -> bool:
    """Whether a text suggests danger to life or safety (errs toward yes)."""
    folded = normalize(text)
    return bool(_DANGER.search(_EXCLUDE.sub(" ", folded)))
