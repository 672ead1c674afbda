"""The Chinese catalogue uses one term per thing and one translation per meaning."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Short English words that mean different things in different places: each use carries
# a context (pgettext, {% translate ... context ... %}) so each gets its own Chinese.
AMBIGUOUS = ["From", "from", "Online", "Sent", "until", "Until (optional)", "Dates"]
APPS = [
    "cms",
    "consultations",
    "demo",
    "enterprises",
    "events",
    "experts",
    "inbox",
    "labvisits",
    "portal",
    "reminders",
    "stats",
    "verification",
]


def _entries():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    for message in catalogue:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        yield message.context, msgid, strings


def _sources():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path
    yield from (ROOT / "templates").rglob("*.html")
    yield from (ROOT / "templates").rglob("*.txt")


def test_no_show_is_always_weidaochang():
    offending = [msgid for _, msgid, strings in _entries() if any("爽约" in s for s in strings)]
    assert offending == []


def test_escalated_has_one_chinese_term():
    terms = {msgid: strings[0] for _, msgid, strings in _entries() if "escalat" in msgid.lower()}
    assert terms
    assert {msgid for msgid, s in terms.items() if "转交" not in s} == set()


def test_team_name_is_written_as_on_its_pages():
    texts = [s for _, _, strings in _entries() for s in strings]
    texts += [path.read_text() for path in (ROOT / "demo").rglob("*.py")]
    mentions = [m for text in texts for m in re.findall(r"(.?)巴心助检(.{0,3})", text)]
    assert mentions
    # As the roster page is titled: “巴心助检”专家服务团 (an activity may be a
    # “巴心助检”专家问诊); a tag in the demo content is the bare name, "巴心助检".
    assert [
        f"{before}巴心助检{after}"
        for before, after in mentions
        if not (before == "“" and after.startswith("”专家"))
        and not (before == '"' and after.startswith('"'))
    ] == []


@pytest.mark.parametrize("msgid", AMBIGUOUS)
def test_ambiguous_words_are_translated_with_a_context(msgid):
    contexts = {context: strings[0] for context, mid, strings in _entries() if mid == msgid}
    assert contexts, f"{msgid!r} is not in the catalogue"
    assert None not in contexts, f"{msgid!r} has a use without a context"


@pytest.mark.parametrize("msgid", AMBIGUOUS)
def test_code_and_templates_give_ambiguous_words_a_context(msgid):
    quoted = re.escape(f'"{msgid}"')
    without_context = re.compile(
        rf"(?<![p\w])(?:_|gettext|gettext_lazy|gettext_noop)\(\s*{quoted}\s*\)"
        rf"|{{%\s*(?:translate|trans)\s+{quoted}\s*(?:as \w+\s*)?%}}"
    )
    uses = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in _sources()
        for match in without_context.finditer(path.read_text())
    ]
    assert uses == []


def test_each_meaning_has_its_own_chinese():
    translations = {(c, mid): s[0] for c, mid, s in _entries() if mid in AMBIGUOUS}
    assert translations[("status change", "From")] == "原状态"
    assert translations[("start of a date range", "From")] == "起始日期"
    assert (
        translations[("registration source", "Online")]
        != translations[("consultation mode", "Online")]
    )
    assert translations[("reminder state", "Sent")] == "已发送"
    assert translations[("end time", "until")] == "结束时间"
    assert translations[("end time", "Until (optional)")] == "结束时间（选填）"
