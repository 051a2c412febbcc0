"""The safety net: normalisation, categories and trigger words, context, extras, CLI, dev corpus."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest

from bot.safety import CATEGORIES, Hit, SafetyNet, default_net, suggests_danger
from bot.safety.chinese import simplified
from bot.safety.cli import run_safety_check
from bot.safety.model import Model, default_model
from bot.safety.normalize import base, joined, latin
from bot.safety.romaji import read_romaji

DEV = Path(__file__).parent / "data" / "safety" / "dev"
LANGUAGES = ("ja", "easy", "en", "zh", "ko", "vi")
# Reached on every dev batch (zh-4 included) when this was written (recall 1.00, precision
# 0.975; every language and category 1.00), less a margin for harmless changes.
MIN_RECALL = 0.99
MIN_PRECISION = 0.96
MIN_RECALL_BY_LANGUAGE = 0.98
MIN_RECALL_BY_CATEGORY = 0.98


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("ｼﾆﾀｲ", "シニタイ"),
        ("しにたいいいい", "しにたい"),
        ("死にたーーい", "死にたい"),
        ("dieeee", "die"),
        ("죽고싶당", "죽고싶다"),
        ("死にたい😭😭", "死にたい"),
        ("I’M FINE", "i'm fine"),
    ],
)
def test_normalisation(raw: str, folded: str) -> None:
    """Width, case, stretched letters, emoji and cute endings fold to one form."""
    assert joined(base(raw)) == folded


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("我唔係想死", "我不是想死"),
        ("而家喺屋企", "现在在家里"),
        ("兩個細路琴日到而家", "两个小孩昨天到现在"),
        ("又𠝹咗手", "又割了手"),
        ("肿么办 木有 酱紫", "怎么办 没有 这样"),
        ("關係", "关系"),
    ],
)
def test_chinese_folds_to_simplified_mandarin(raw: str, folded: str) -> None:
    """Traditional, Cantonese and chat spellings fold to simplified Mandarin, same length."""
    assert simplified(raw) == folded and len(folded) == len(raw)


def test_vietnamese_with_and_without_diacritics_read_the_same() -> None:
    """Diacritics are folded away, so both spellings match one phrase."""
    assert latin("không muốn sống nữa") == latin("khong muon song nua") == "khong muon song nua"
    assert latin(base("ĐÁNH TÔI")) == "danh toi"


def test_romaji_is_read_as_kana() -> None:
    """Japanese typed in the Latin alphabet becomes kana; English does not."""
    assert read_romaji("shinitai kamo") == "しにたいかも"
    assert read_romaji("tekubi kitta") == "てくびきった"
    assert read_romaji("I want to die") is None


@pytest.mark.parametrize(
    ("text", "category", "words"),
    [
        ("手首切った", "suicide", "手首切っ"),
        ("手首を切りました", "suicide", "手首を切り"),
        ("てくびきった", "suicide", "てくびきっ"),
        ("首くくろうかな", "suicide", "首くく"),
        ("生きとうない", "suicide", "生きとうない"),
        ("しにたいねん", "suicide", "しにたい"),
        ("shinitai kamo", "suicide", "shinitai"),
        ("ｼﾆﾀｲ ﾓｳﾑﾘ", "suicide", "シニタイ"),
        ("夫に毎日なぐられています", "violence", "なぐら"),
        ("母が倒れて息してないかも", "medical", "倒れ"),
        ("隣の家から煙出てる！", "fire", "煙出"),
        ("親に部屋に閉じ込められてる", "confined", "閉じ込め"),
        ("3日水だけ", "no_food_shelter", "3日水だけ"),
        ("I want to die", "suicide", "i want to die"),
        ("my husband hits me", "violence", "hits me"),
        ("grandma collapsed in the kitchen", "medical", "collapsed"),
        ("building next door on fire", "fire", "on fire"),
        ("my boyfriend locked me in the room", "confined", "locked me in"),
        ("nowhere to sleep tonight", "no_food_shelter", "nowhere to sleep"),
        ("活著好累", "suicide", "活著好累"),
        ("老公又打我了", "violence", "又打"),
        ("奶奶在厨房晕倒了", "medical", "晕倒"),
        ("楼下着火了", "fire", "着火"),
        ("男朋友把我锁在房间里", "confined", "锁在"),
        ("两天没吃东西了", "no_food_shelter", "两天没吃"),
        ("죽고싶당 진짜로", "suicide", "죽고싶"),
        ("남편이 또 때렸어요", "violence", "때렸"),
        ("할머니가 부엌에서 쓰러지셨어요", "medical", "쓰러지"),
        ("아래층에서 불나서 연기 가득해요", "fire", "불나서"),
        ("남친이 방에 가둬놨어", "confined", "가둬"),
        ("사흘째 굶었어요", "no_food_shelter", "사흘째굶"),
        ("khong muon song nua", "suicide", "khong muon song"),
        ("không muốn sống nữa", "suicide", "không muốn sống"),
        ("chồng em lại đánh em", "violence", "lại đánh"),
        ("bà ngoại ngất trong bếp", "medical", "ngất"),
        ("chảo dầu bốc cháy", "fire", "bốc cháy"),
        ("bồ nhốt em trong phòng", "confined", "nhốt em"),
        ("2 ngay r ko co gi an", "no_food_shelter", "2 ngay r ko co gi an"),
        # slang, indirect words and Cantonese
        ("我唔想再活落去", "suicide", "唔想再活"),
        ("阿爸喺屋企暈低咗", "medical", "暈低"),
        ("我真的想不开了", "suicide", "想不开"),
        ("한강 가고 싶다", "suicide", "한강가"),
        ("형이 술만 먹으면 나 패", "violence", "나패"),
        ("옆건물 불남", "fire", "불남"),
        # Chinese concept families: giving up, chat spellings and pinyin, the means hoarded,
        # Cantonese threats, fits, smoke, papers kept back, no food since yesterday
        ("我真的熬不下去了", "suicide", "熬不下去"),
        ("想紫砂 不想再撑了", "suicide", "想紫砂"),
        ("bu xiang huo le", "suicide", "bu xiang huo le"),
        ("啲藥我已經囤咗兩個月", "suicide", "藥我已經囤"),
        ("密碼告訴你了 幫我跟爸媽說聲對不起", "suicide", "密碼告訴你"),
        ("老公話要劈死我", "violence", "劈死我"),
        ("佢揸住把菜刀喺門口", "violence", "揸住把菜刀"),
        ("前夫天天在公司楼下蹲我", "violence", "蹲我"),
        ("阿爺成個人抽筋 叫極都唔應", "medical", "成個人抽筋"),
        ("隔壁屋好大陣煙", "fire", "大陣煙"),
        ("老闆收埋咗我哋嘅護照", "confined", "收埋咗我哋嘅護照"),
        ("由琴日到而家都未食過嘢", "no_food_shelter", "由琴日到而家都未食"),
        ("肿么办 木有饭吃三天了", "no_food_shelter", "木有饭吃"),
        ("今晚要瞓街", "no_food_shelter", "瞓街"),
        ("tau met rua rui, muon di mot cai cho khoe", "suicide", "di mot cai cho"),
        ("no doa neu e bo di no se giet ca nha e", "violence", "doa neu"),
        ("i will sleep in koen tonight", "no_food_shelter", "sleep in koen"),
    ],
)
def test_category_and_words(text: str, category: str, words: str) -> None:
    """Each language and category is found, with the words that triggered it."""
    assert default_net().check(text) == Hit(category, words)


@pytest.mark.parametrize(
    "text",
    [
        "死にたいわけじゃない",
        "I'm not suicidal, just lonely",
        "10年前に夫から逃げました。今は大丈夫です",
        "ドラマで殺人事件の回見て夜眠れんかった",
        "自殺予防のゲートキーパー研修、まだ申し込めますか",
        "想报名自杀预防的志愿者培训",
        "자살예방 게이트키퍼 교육 봉사하고 싶어요",
        "muon tham gia tinh nguyen phong chong tu tu",
        "死ぬほど嬉しい",
        "バイト首になった",
        "殴り書きのメモですみません",
        "I'm dying to see you",
        "this heat is killing me",
        "hit me up when you're free",
        "热死了 办公室有空调吗",
        "배고파 죽겠다ㅋㅋ",
        "cuoi chet mat, co giao bao phat am cua em nhu robot",
        "我不是想不开啊 就是最近失眠",
        "水電費繳不出來 可以分期嗎",
        "죽고 싶다는건 아니고 그냥 좀 외로워서요",
        "지난주에 아빠 쓰러지셨었는데 지금은 퇴원하셨어요",
        "toi khong tu tu dau nhe, chi hoi thu tuc thoi",
        "dat lich tu van qua LINE dc ko a",
        "khùng luôn á, giấy tờ gì mà nhiều muốn xỉu",
        "攰到死 想問下有冇義工做",
        "累到想原地去世 下班吃火锅",
        "我唔係想死呀 淨係想搵人傾偈",
        "昨晚睇TVB 個老公打老婆 好嬲",
        "之前有段时间很想不开 现在很稳定了 想当志工",
        "瓦斯爐點不著火 要找誰修",
        "我想了解一下紫砂壶的课",
        "公司不给我放假回家过年 合法吗",
        "我们家的钱都交给我妈管",
    ],
)
def test_context_lowers(text: str) -> None:
    """Negation, the resolved past, stories, prevention work and idioms are no alarm."""
    assert default_net().check(text) is None


def test_a_present_cue_beside_the_phrase_keeps_it() -> None:
    """Talking of volunteering does not hide danger in another sentence of the message."""
    text = (
        "ボランティア登録のことで質問です。"
        "最近は屋上の鍵が開いてるか確かめに行ってて、今夜も行きます。"
    )
    assert default_net().check(text) is not None
    assert suggests_danger("区役所の手続きを教えてください。あと、もう死にたいです。")


def test_extra_phrases_from_the_office_profile() -> None:
    """Local phrases go through the same folding and lemmatisation as the built-in ones."""
    net = SafetyNet({"fire": ["大口の土手"], "violence": ["yakuza came"]})
    assert net.check("大口の土手がくずれそう") == Hit("fire", "大口の土手")
    assert net.check("Yakuza  came again") == Hit("violence", "yakuza came")
    assert default_net().check("大口の土手がくずれそう") is None
    with pytest.raises(ValueError):
        SafetyNet({"flood": ["x"]})


def test_cli_writes_one_line_per_input_line() -> None:
    """`1<TAB>category<TAB>words` or `0`, in order."""
    out = io.StringIO()
    run_safety_check(["死にたい\n", "窓口って土曜日あいてる？\n", "he hits me"], out, default_net())
    assert out.getvalue() == "1\tsuicide\t死にたい\n0\n1\tviolence\the hits\n"


def test_dev_corpus_report() -> None:
    """Recall and precision by language and category on every dev batch stay where they were."""
    # Every batch in the folder (zh.tsv, zh-2.tsv, …, zh-4.tsv), by the language of its name.
    files = [(path.stem.split("-")[0], path) for path in sorted(DEV.glob("*.tsv"))]
    assert {lang for lang, _ in files} == set(LANGUAGES) and len(files) >= 17
    net = default_net()
    counts: Counter[tuple[str, str]] = Counter()
    for lang, path in files:
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                hit = net.check(row["text"])
                if row["label"] == "1":
                    for key in (lang, row["category"], "all"):
                        counts[key, "tp" if hit else "fn"] += 1
                    counts[lang, "same"] += bool(hit and hit.category == row["category"])
                elif hit:
                    for key in (lang, hit.category, "all"):
                        counts[key, "fp"] += 1

    def recall(key: str) -> float:
        return counts[key, "tp"] / max(1, counts[key, "tp"] + counts[key, "fn"])

    def precision(key: str) -> float:
        return counts[key, "tp"] / max(1, counts[key, "tp"] + counts[key, "fp"])

    print()
    for key in (*LANGUAGES, *sorted({c for c, _ in counts} - {*LANGUAGES, "all"}), "all"):
        print(f"  {key:16} recall {recall(key):.2f}  precision {precision(key):.2f}")
    assert recall("all") >= MIN_RECALL and precision("all") >= MIN_PRECISION
    assert all(recall(lang) >= MIN_RECALL_BY_LANGUAGE for lang in LANGUAGES)
    assert all(recall(category) >= MIN_RECALL_BY_CATEGORY for category in CATEGORIES)


def test_the_model_is_loaded_once() -> None:
    """The trained weights ship with the net and are read once."""
    model = default_model()
    assert model is not None and model is default_model()
    assert model.categories == CATEGORIES
    assert 0 < model.threshold < 1 and len(model.danger[1]) > 1000
    assert model.score("もう死にたい") > model.score("窓口は土曜日あいてますか")


def test_a_model_only_hit_carries_a_category_and_words() -> None:
    """When only the model fires, the hit names its best category and words from the message."""
    tiny = Model(
        CATEGORIES,
        (-4.0, {"zzq": 40.0}),
        ([0.0] * 6, {"zzq": [0.0, 0.0, 3.0, 0.0, 0.0, 0.0]}),
        0.5,
    )
    net = SafetyNet(statistical=False)
    assert net.check("grandpa zzqx again") is None
    net._model = tiny
    assert net.check("grandpa zzqx again") == Hit("medical", "zzqx")
    assert net.check("the office is open on saturday") is None
    # Context still lowers a model hit (here: a prevention course).
    assert net.check("zzqx volunteer training course") is None


def test_training_gives_the_same_weights_from_the_same_data() -> None:
    """Two trainings on the same rows write the same bytes; the file reads back as a model."""
    from bot.safety import train

    rows = [r for i, r in enumerate(train.dev_rows()) if i % 6 == 0]
    first, second = (
        train.weights_file(train.train(rows, 0.7)),
        train.weights_file(train.train(rows, 0.7)),
    )
    assert first == second


def test_the_model_file_is_small() -> None:
    """The weights stay well under 2 MB."""
    from bot.safety.model import WEIGHTS

    assert WEIGHTS.stat().st_size < 2_000_000


def test_the_profile_knows_the_same_categories() -> None:
    """The office profile's local phrases use exactly the net's categories."""
    from typing import get_args

    from bot.settings import SafetyCategory

    assert get_args(SafetyCategory) == CATEGORIES


def test_a_councils_own_phrases_reach_the_net_and_the_command() -> None:
    """Phrases from the office profile are caught by the desk's net and by safety-check."""
    from bot.safety import net_for

    net = net_for({"fire": ["ボヤ騒ぎ"], "confined": ["寮から出してくれない"]})
    assert net.check("うちの近所でボヤ騒ぎがあって") == Hit("fire", "ボヤ騒ぎ")
    assert net.check("会社の寮から出してくれないんです") is not None
    assert net_for({}) is default_net()


# Everyday hardship talk a welfare desk hears all day (deadlines, arrears, shifts, help received
# in the past), beside the same words in real danger: the first must not raise a crisis alert.
EVERYDAY_HARDSHIP = (
    "来週までに払わないと電気が止まります",
    "明日までに連絡しないといけない",
    "ナイトシフトで働いています",
    "今月中に家賃を払わないと退去しないといけないと言われました",
    "外国人でも生活福祉資金の貸付って受けられますか",
    "前に電気止められたとき社協さんに助けてもらいました。今はちゃんと払えてます",
    "七輪で秋刀魚を焼いた",
    "締め切り前で頭が爆発しそう",
    "火災保険って入ったほうがいいですか",
)
HARDSHIP_IN_DANGER = (
    ("家賃も払えないしもう死にたい", "suicide"),
    ("夫にけられた", "violence"),
    ("助けて、夫に殴られてる", "violence"),
    ("今日食べるものが一つもありません", "no_food_shelter"),
    ("今夜は公園で寝ます", "no_food_shelter"),
)


@pytest.mark.parametrize("text", EVERYDAY_HARDSHIP)
def test_everyday_hardship_talk_raises_no_alert(text: str) -> None:
    """Obligations (〜ないと), arrears, night shifts, 受けられ, help received: no alert."""
    assert default_net().check(text) is None


@pytest.mark.parametrize(("text", "category"), HARDSHIP_IN_DANGER)
def test_the_same_words_in_danger_still_alert(text: str, category: str) -> None:
    """Money, rent and 助けて in real danger are still caught, with the right category."""
    hit = default_net().check(text)
    assert hit is not None and hit.category == category
