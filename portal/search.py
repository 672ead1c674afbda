"""Chinese-aware full-text search on the database backends.

Chinese is written without spaces, so the database's full-text parsers (SQLite FTS5 and
PostgreSQL's text search) see a whole sentence as one token and would never find a word
inside it. We index every run of Chinese characters as its single characters and its
overlapping character pairs (bigrams, as Lucene's CJK analyzer does) and turn a query into
the same pairs, searched with AND: a word is found wherever its characters stand together.
"""

import re

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def cjk_terms(text: str) -> list[str]:
    """Single characters and bigrams of each Chinese run in ``text``."""
    terms: list[str] = []
    for run in CJK_RUN.findall(text or ""):
        terms.extend(run)
        terms.extend(run[i : i + 2] for i in range(len(run) - 1))
    return terms


def cjk_index_text(*parts: str) -> str:
    """Text for the search index: the Chinese terms of ``parts``, separated by spaces."""
    return " ".join(cjk_terms(" ".join(p for p in parts if p)))


def prepare_query(query: str) -> str:
    """Rewrite a user's query so Chinese words match the indexed bigrams.

    "质量诊断" becomes "质量 量诊 诊断"; Latin words are kept as they are.
    """
    out: list[str] = []
    for token in (query or "").split():
        pos = 0
        for match in CJK_RUN.finditer(token):
            if match.start() > pos:
                out.append(token[pos : match.start()])
            run = match.group()
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
            pos = match.end()
        if pos < len(token):
            out.append(token[pos:])
    cleaned = (re.sub(r"[^\w\u3400-\u9fff]", "", t) for t in out)
    return " ".join(t for t in cleaned if t)


class CjkIndexedMixin:
    """Adds a ``cjk_index`` search field built from ``cjk_search_parts()``.

    Models list ``index.SearchField("cjk_index")`` in their ``search_fields``.
    """

    def cjk_search_parts(self) -> list[str]:
        return [getattr(self, "title", "")]

    def cjk_index(self) -> str:
        return cjk_index_text(*[str(p) for p in self.cjk_search_parts() if p])


def stream_text(value) -> str:
    """The searchable text of a StreamField value."""
    if not value:
        return ""
    return " ".join(str(t) for t in value.stream_block.get_searchable_content(value))
