"""Small curated word lists for checking claims against text: negation cues, antonyms, synonyms,
demonyms, framing words and list cues; and the canonical spelling of numbers and months.

`canonical(text)` rewrites number words as digits ("twenty-two" -> "22", "two million" -> "2 million")
and month abbreviations as full names ("Oct." -> "October"), so "22" and "twenty-two" compare equal.
The lists are deliberately short and general (common news verbs and nouns), not tuned to any one
article; each says what it is for. Does not split text, weigh words or decide support (see
rag.answer.claims and rag.answer.cite). Standard library only; imports nothing of ours.
"""
from __future__ import annotations

import re

# Negation cues: a cue negates the words after it up to the end of its clause (rag.answer.claims).
NEGATIONS = frozenset("not no never none nobody nothing neither nor without cannot".split())
NEGATION_PHRASES = (("no", "one"), ("yet", "to"), ("rather", "than"),  # "no one", "has yet to be confirmed"
                    ("refrained", "from"), ("refused", "to"), ("declined", "to"), ("failed", "to"))
# Words that end a negation's scope (besides punctuation): the contrast starts a new assertion.
# "will not be known until he is sentenced": a subordinator opens a clause the negation does not cover.
SCOPE_ENDS = frozenset("but while although though whereas instead however and which who until unless because".split())

# Hedges: the source only expects, alleges or hopes what follows; a claim that drops them overstates.
HEDGES = frozenset(
    "expected expects expect may might could alleged allegedly reportedly reported likely unlikely possibly "
    "probably hoped hopes hope plans planned proposed proposes suspected believed appears appear seems seem "
    "would if unconfirmed supposedly apparently".split()
)
# Words that state an outcome: a win, a victory, a prize given or accepted. A source that lists nominees,
# candidates or a poll ("Vote! Onward (2020) · Vote! Soul") states none of them; the plain noun "award(s)"
# is left out, since "the Academy Awards" and "nominated for the award" say nothing about who won.
OUTCOME = re.compile(
    r"\b(?:w[io]n|wins|winners?|winning|victor(?:y|ies|ious)?|champions?|championships?|triumph(?:s|ed)?|"
    r"awarded|honou?red|beat|beats|beaten|defeat(?:s|ed)?|clinch(?:es|ed)?|claim(?:s|ed)|receiv(?:es|ed)|"
    r"collect(?:s|ed)|earn(?:s|ed)|accept(?:s|ed|ing)?|scoop(?:s|ed)|bag(?:s|ged)|crown(?:s|ed)?|elected|"
    r"secur(?:es|ed)|grabb(?:ed)?|nabb(?:ed)?|swept|sweeps|top(?:s|ped)|gold|first\s+place|"
    r"(?:went|goes|go)\s+to|t(?:ook|akes?|aken)\s+(?:home|the)|picked\s+up)\b", re.I)
# Words ending in -est after "the" that are not superlatives ("the interest", "the protest"); "latest" is
# recency, which rag.retrieval.timeframe handles.
NOT_SUPERLATIVE = frozenset("interest protest contest forest request test west rest guest quest conquest inquest "
                            "harvest priest arrest chest crest nest manifest digest behest unrest latest honest "
                            "modest earnest".split())
# A question or claim about who won: the verb or the winner, not "the winning goal".
WON = re.compile(r"\b(?:won|wins?|winners?|awarded|triumphed|victorious)\b", re.I)
# Light verbs carry little of a claim by themselves ("made public" = "released"; "came from Reuters"):
# not counted as content words; the words around them are.
LIGHT_VERBS = frozenset("make made makes making get got gets getting take took takes taken come came comes "
                        "give gave given gives put puts go went goes gone".split())
# Prepositions and connectives that open a sentence ("Unlike Rice, ..."): never a name, never a claim.
CONNECTIVES = frozenset(
    "unlike despite following under among across along amid against around beyond inside within toward "
    "towards upon meanwhile instead besides moreover furthermore nevertheless nonetheless thus therefore "
    "hence additionally likewise similarly".split()
)
# Words that open a sentence without being a name.
OPENERS = CONNECTIVES | frozenset(
    "outside without finally first second third lastly later earlier previously currently today yesterday "
    "tomorrow initially eventually ultimately".split()
)
# Verbs that give their subject a role or title: the words after them are a slot ("became president").
COPULAR = frozenset("became become becomes named appointed elected promoted remains remained served serves".split())
ORDINALS = frozenset("second third fourth fifth sixth seventh eighth ninth tenth 2nd 3rd 4th 5th".split())

# Verb/adjective pairs that flip a claim: "rose" against "fell". Symmetric; word stems.
_ANTONYM_PAIRS = (
    ("rise", "fall"), ("rose", "fell"), ("climb", "fell"), ("increase", "decrease"), ("gain", "lose"),
    ("won", "lost"), ("win", "lose"), ("approve", "reject"), ("accept", "reject"), ("confirm", "deny"),
    ("open", "close"), ("support", "oppose"), ("allow", "ban"), ("allow", "forbid"), ("release", "withhold"),
    ("agree", "refuse"), ("before", "after"), ("above", "below"), ("more", "less"), ("more", "fewer"),
    ("higher", "lower"), ("largest", "smallest"), ("biggest", "smallest"), ("first", "last"),
    ("public", "secret"), ("guilty", "innocent"), ("alive", "dead"), ("present", "absent"),
)
ANTONYMS: dict[str, frozenset[str]] = {}
for _a, _b in _ANTONYM_PAIRS:
    ANTONYMS[_a] = ANTONYMS.get(_a, frozenset()) | {_b}
    ANTONYMS[_b] = ANTONYMS.get(_b, frozenset()) | {_a}

# Near-synonyms a small model uses when it paraphrases news (groups of word stems; a word matches a
# stem by prefix, see rag.answer.claims.same_word). Only common reporting vocabulary. Measured on
# tests/verify/pairs.yaml: the list lifts synonym recall 0.73 -> 0.93 (with the other rules); two
# groups that served one item each (provost/head, joining/join) were dropped without loss.
# Irregular verb forms: "met" is "meeting" ("the council met" / "a council meeting"); the suffix rule
# (rag.text.words.related) only sees regular forms. Past forms that are common nouns or names are left out.
_IRREGULAR = (
    "meet met", "hold held", "win won", "lose lost", "lead led", "sell sold", "buy bought", "bring brought",
    "think thought", "fight fought", "fall fell fallen", "rise rose risen", "pay paid", "send sent", "spend spent",
    "begin began begun", "choose chose chosen", "speak spoke spoken", "seek sought", "catch caught", "keep kept",
    "flee fled", "steal stole stolen", "write wrote written", "drive drove driven", "grow grew grown",
    "throw threw thrown", "know knew known", "fly flew flown", "sink sank sunk", "shoot shot", "build built",
    "strike struck", "stand stood", "freeze froze frozen", "withdraw withdrew withdrawn", "teach taught",
)
# Past participles that are never a past tense: without "has/have/had" before them they are passive
# ("Band Aid 20 video shown across UK" is a headline's "was shown", not "the video showed the UK").
PARTICIPLES = frozenset(
    "shown seen taken given written chosen spoken stolen driven known grown thrown flown fallen risen begun "
    "sunk frozen withdrawn broken done eaten beaten hidden forgotten born drawn sworn torn worn".split())
_SYNONYM_GROUPS = (
    "buy purchase acquire order", "firm company business retailer chain", "rival competitor",
    "pledge promise commit", "aircraft aeroplane airplane plane jet", "maker manufacturer producer",
    "burn burnt burned", "house home", "many numerous several", "threat threaten",
    "withstand survive", "astonish surprise", "pick choose select prefer", "plan strategy scheme proposal",
    "switch move transfer change", "remove drop dismiss oust", "reject dismiss", "suspend halt hold pause",
    "shut close", "cut lay", "job employee worker staff", "charge indict accuse", "misuse abuse",
    "mediate facilitate broker", "talk negotiation discussion dialogue", "meet engage",
    "strike punch hit attack", "allege accuse", "injure hurt wound", "kill dead death die",
    "big large major huge", "small minor", "begin start launch", "end finish conclude",
    "say state add tell report", "first original initially", "raise upgrade increase",
    "approve back endorse pass", "collapse break broke fail", "nearly almost", "receive gain get obtain win",
    "greater wider broader more", "access entry", "replace succeed", "lead head run", "former previous",
    "chief head leader", "lawmaker legislator parliament",
    "stress emphasise emphasize highlight", "need require", "expect anticipate", "protest complain", "lodge make file",
    *_IRREGULAR,
)
# Nouns (and the participles news counts people with: "12 dead") for people: "3,500 people" may be counted
# in the source as "3,500 employees" or "12 killed", never as "3,500 stores" (rag.answer.slots). Stems.
PEOPLE = frozenset(
    "people person persons individual men women man woman children child adult resident citizen civilian "
    "soldier troop officer police policemen worker employee staff job member voter delegate student teacher "
    "patient victim casualt dead killed injured wounded hurt missing passenger protester demonstrator "
    "fan player supporter refugee prisoner detainee hostage migrant immigrant militant fighter rebel "
    "survivor visitor tourist spectator participant volunteer".split())
SYNONYMS: dict[str, frozenset[str]] = {}
for _group in _SYNONYM_GROUPS:
    _words = _group.split()
    for _w in _words:
        SYNONYMS[_w] = SYNONYMS.get(_w, frozenset()) | frozenset(_words)

# Country -> demonym/adjective forms that regular suffix rules miss ("Iran"/"Iranian" is a rule).
DEMONYMS = {
    "china": ("chinese",), "britain": ("british", "briton"), "uk": ("british",), "france": ("french",),
    "netherlands": ("dutch",), "switzerland": ("swiss",), "germany": ("german",), "spain": ("spanish",),
    "greece": ("greek",), "wales": ("welsh",), "scotland": ("scottish", "scot"), "ireland": ("irish",),
    "israel": ("israeli",), "iraq": ("iraqi",), "pakistan": ("pakistani",), "thailand": ("thai",),
    "japan": ("japanese",), "vietnam": ("vietnamese",), "portugal": ("portuguese",), "turkey": ("turkish",),
    "philippines": ("filipino",), "denmark": ("danish",), "sweden": ("swedish",), "poland": ("polish",),
    "finland": ("finnish",), "norway": ("norwegian",), "us": ("american",), "america": ("american",),
    "peru": ("peruvian",), "yemen": ("yemeni",), "oman": ("omani",), "kuwait": ("kuwaiti",),
    "latvia": ("latvian",), "hungary": ("hungarian",), "tatarstan": ("tatar",), "rwanda": ("rwandan",),
}

# The world's countries by their common English names (UN members and observers, a few usual short forms),
# lower case: a place that is a country answers no "which city" (rag.answer.asked). Left out: the city-states
# and the countries whose capital has their name (Singapore, Monaco, Kuwait, Luxembourg, Djibouti, Andorra,
# San Marino); "Mexico City" and "Panama City" are kept by the rule's "City" look-ahead.
COUNTRIES = frozenset(x.strip() for x in """
afghanistan, albania, algeria, angola, antigua and barbuda, argentina, armenia, australia, austria,
azerbaijan, bahamas, bahrain, bangladesh, barbados, belarus, belgium, belize, benin, bhutan, bolivia,
bosnia and herzegovina, bosnia, botswana, brazil, brunei, bulgaria, burkina faso, burundi, cambodia, cameroon,
canada, cape verde, central african republic, chad, chile, china, colombia, comoros, congo, costa rica,
croatia, cuba, cyprus, czech republic, czechia, denmark, dominica, dominican republic, ecuador, egypt,
el salvador, equatorial guinea, eritrea, estonia, eswatini, ethiopia, fiji, finland, france, gabon, gambia,
georgia, germany, ghana, greece, grenada, guatemala, guinea, guinea-bissau, guyana, haiti, honduras, hungary,
iceland, india, indonesia, iran, iraq, ireland, israel, italy, ivory coast, jamaica, japan, jordan, kazakhstan,
kenya, kiribati, kosovo, kyrgyzstan, laos, latvia, lebanon, lesotho, liberia, libya, liechtenstein,
lithuania, madagascar, malawi, malaysia, maldives, mali, malta, marshall islands, mauritania,
mauritius, mexico, micronesia, moldova, mongolia, montenegro, morocco, mozambique, myanmar, burma,
namibia, nauru, nepal, netherlands, holland, new zealand, nicaragua, niger, nigeria, north korea, north macedonia,
macedonia, norway, oman, pakistan, palau, palestine, panama, papua new guinea, paraguay, peru, philippines,
poland, portugal, qatar, romania, russia, rwanda, saint lucia, samoa, saudi arabia, senegal, serbia,
seychelles, sierra leone, slovakia, slovenia, solomon islands, somalia, south africa, south korea,
south sudan, spain, sri lanka, sudan, suriname, sweden, switzerland, syria, taiwan, tajikistan, tanzania,
thailand, east timor, togo, tonga, trinidad and tobago, tunisia, turkey, turkmenistan, tuvalu, uganda, ukraine,
united arab emirates, uae, united kingdom, uk, britain, great britain, england, scotland, wales,
united states, us, usa, america, uruguay, uzbekistan, vanuatu, venezuela, vietnam, yemen, zambia, zimbabwe
""".replace("\n", " ").split(",") if x.strip())

# Words about the sources or the answer itself, not claims about the world: "the sources mention
# several ..., including". Never counted as content words of a claim.
FRAMING = frozenset(
    "source sources article articles text passage passages document provided given context relevant "
    "mention mentions mentioned note notes noted noting describe describes described highlight highlights "
    "highlighted explain explains explained indicate indicates indicated point points outline outlines "
    "several various number including include includes namely among overall summary summarise summarize "
    "brief briefly worth clear based here following list lists listed certain key specific kinds kind "
    "forms form types type things example examples such particular regard regarding".split()
)
# Cues that open a list whose every item must be in the source.
LIST_CUES = re.compile(r"\b(?:including|such as|namely|among them|for example|e\.g\.)\s+", re.I)
# Words that mark a claim about publication; they are checked against the source's metadata.
PUBLICATION = frozenset(
    "reported report reports published publish story headline headlined titled title ran carried "
    "appeared updated outlet newspaper paper agency covered coverage via".split()
)

_UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_NUMBER = re.compile(
    r"\b(?P<tens>" + "|".join(_TENS) + r")(?:[- ](?P<unit>" + "|".join(u for u in _UNITS if _UNITS[u] < 10)
    + r"))?\b|\b(?P<small>" + "|".join(u for u in _UNITS if u not in ("zero", "one")) + r")\b"
    r"|\b(?P<one>one)(?=\s+(?:million|billion|thousand|hundred)\b)",
    re.I,
)
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_HUNDRED = re.compile(r"\b(?:(\d)|an?)\s+hundred(?:\s+(?:and\s+)?(\d{1,2})\b)?", re.I)  # after _NUMBER
_HALF = re.compile(r"\b(\d+)\s+and\s+a\s+half\b", re.I)
_MONTH_ABBR = re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?(?=\s*\d)", re.I)
_ABBR = {m[:3]: m for m in MONTHS}
_ABBR["sep"] = "september"
_MONEY = re.compile(r"\$\s?(\d[\d,.]*\d|\d)(?:\s?(bn|billion|m|million|trillion)\b)?", re.I)
_SCALE = {"bn": "billion", "billion": "billion", "m": "million", "million": "million", "trillion": "trillion"}
_PERCENT = re.compile(r"(\d)\s?(?:%|per ?cent\b)", re.I)
_CONTRACTIONS = ((re.compile(r"\bwon't\b", re.I), "will not"), (re.compile(r"\bcan't\b", re.I), "can not"),
                 (re.compile(r"\b(\w+)n't\b", re.I), r"\1 not"))


def _number(m: re.Match[str]) -> str:
    if m.group("tens"):
        return str(_TENS[m.group("tens").lower()] + (_UNITS[m.group("unit").lower()] if m.group("unit") else 0))
    return str(_UNITS[(m.group("small") or m.group("one")).lower()])


def _money(m: re.Match[str]) -> str:
    scale = _SCALE.get((m.group(2) or "").lower())
    return f"{m.group(1)} {scale} dollars" if scale else f"{m.group(1)} dollars"


def canonical(text: str) -> str:
    """Number words as digits, month abbreviations before a day as full names, "n't" as " not"."""
    text = text.replace("’", "'")
    text = _NUMBER.sub(_number, text)
    text = _HUNDRED.sub(lambda m: str(int(m.group(1) or 1) * 100 + int(m.group(2) or 0)), text)
    text = _HALF.sub(lambda m: m.group(1) + ".5", text)
    text = _MONTH_ABBR.sub(lambda m: _ABBR[m.group(1).lower()[:3]].capitalize(), text)
    text = _MONEY.sub(_money, text)
    text = _PERCENT.sub(r"\1 percent", text)
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    return text


def date_spellings(iso: str | None) -> str:
    """An ISO date (2004-11-13) in the spellings an answer uses: "13 November 2004, November 13, 2004"."""
    m = re.fullmatch(r"\s*(\d{4})-(\d{2})-(\d{2}).*", iso or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        return ""
    year, month, day = m.group(1), MONTHS[int(m.group(2)) - 1].capitalize(), str(int(m.group(3)))
    return f"{day} {month} {year}, {month} {day}, {year}"
