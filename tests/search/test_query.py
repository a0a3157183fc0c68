"""The search box syntax: operators, aliases, dates, quoting, forgiving typing and errors."""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mediasift.search.query import KINDS, Query, QueryError, parse_query


def local(*parts: int) -> float:
    """Epoch seconds of a local wall-clock moment (what after:/before: must mean)."""
    return datetime(*parts).timestamp()


# --- free text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text", "words", "phrases"),
    [
        ("", "", (), ()),
        ("   ", "", (), ()),
        ("dog lake", "dog lake", ("dog", "lake"), ()),
        ("  dog \t  lake \n", "dog lake", ("dog", "lake"), ()),
        ("Q3 Revenue", "Q3 Revenue", ("Q3", "Revenue"), ()),  # case kept as typed
        ('"exact phrase"', "exact phrase", (), ("exact phrase",)),
        ('"  exact \t  phrase "', "exact phrase", (), ("exact phrase",)),
        ('a "b c" d', "a b c d", ("a", "d"), ("b c",)),  # text keeps the typed order
        ('"b c""d e"', "b c d e", (), ("b c", "d e")),
        ('"b c"d', "b c d", ("d",), ("b c",)),
        ("“smart quotes” too", "smart quotes too", ("too",), ("smart quotes",)),
        ("don't e-mail x-ray", "don't e-mail x-ray", ("don't", "e-mail", "x-ray"), ()),
    ],
)
def test_free_words_and_phrases(raw, text, words, phrases):
    q = parse_query(raw)
    assert (q.text, q.words, q.phrases) == (text, words, phrases)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("meeting 10:30", ("meeting", "10:30")),
        ("error: permission denied", ("error:", "permission", "denied")),
        ("http://example.com/a", ("http://example.com/a",)),
        ("type:pdf", ("type:pdf",)),
        ("index:3 rename:x", ("index:3", "rename:x")),  # operator names inside longer words
        ("C:\\Users", ("C:\\Users",)),
    ],
)
def test_unknown_operators_stay_plain_text(raw, words):
    q = parse_query(raw)
    assert q.words == words
    assert q.text == " ".join(words)
    assert q.kinds == () and q.folders == () and q.names == ()


# --- exclusion ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text", "excluded"),
    [
        ("dog -cat", "dog", ("cat",)),
        ('dog -"black  cat"', "dog", ("black cat",)),
        ("-cat -Mouse", "", ("cat", "Mouse")),
        ("dog - cat", "dog cat", ()),  # a lone "-" is ignored
        ("dog -", "dog", ()),
        ("-", "", ()),
        ('-""', "", ()),
        ('-"unclosed phr', "", ("unclosed phr",)),
    ],
)
def test_exclusion(raw, text, excluded):
    q = parse_query(raw)
    assert (q.text, q.excluded) == (text, excluded)
    assert not set(excluded) & set(q.words)


# --- kind: -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kinds"),
    [
        *((f"kind:{kind}", (kind,)) for kind in KINDS),
        ("kind:slide", ("slides",)),
        ("kind:deck", ("slides",)),
        ("kind:pptx", ("slides",)),
        ("kind:screenshots", ("screenshot",)),
        ("kind:images", ("image",)),
        ("kind:photo", ("image",)),
        ("kind:photos", ("image",)),
        ("kind:pdfs", ("pdf",)),
        ("kind:video", ("video",)),
        ("kind:clip", ("video",)),
        ("kind:clips", ("video",)),
        ("kind:audio", ("audio",)),
        ("kind:recording", ("audio",)),
        ("kind:recordings", ("audio",)),
        ("KIND:PDF", ("pdf",)),
        ("Kind:Slides", ("slides",)),
        ("kind:pdf kind:slides", ("pdf", "slides")),
        ("kind:pdf,slides", ("pdf", "slides")),
        ("kind:pdf|slides", ("pdf", "slides")),
        ("kind:pdf,", ("pdf",)),  # the next kind is being typed
        ('kind:"pdf, slides"', ("pdf", "slides")),
        ("kind:photo kind:images kind:image", ("image",)),  # aliases of one kind count once
        ("kind:", ()),  # nothing typed after it yet
        ("dog kind: ", ()),
    ],
)
def test_kind(raw, kinds):
    q = parse_query(raw)
    assert q.kinds == kinds
    assert "kind" not in q.text.lower()


@pytest.mark.parametrize("raw", ["kind:spreadsheet", "kind:pdf,docx", "dog KIND:Gifs"])
def test_unknown_kind_names_the_bad_value_and_the_valid_ones(raw):
    bad = raw.rsplit(":", 1)[1].rsplit(",", 1)[-1]
    with pytest.raises(QueryError) as err:
        parse_query(raw)
    message = str(err.value)
    assert bad in message
    assert all(kind in message for kind in KINDS)


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "after", "before"),
    [
        ("after:2024", local(2024, 1, 1), None),
        ("after:2024-06", local(2024, 6, 1), None),
        ("after:2024-01-15", local(2024, 1, 15), None),
        ("after:2024-6-3", local(2024, 6, 3), None),
        ("before:2024", None, local(2024, 1, 1)),
        ("before:2024-06", None, local(2024, 6, 1)),
        ("before:2024-06-03", None, local(2024, 6, 3)),
        ("BEFORE:2024-12-31", None, local(2024, 12, 31)),
        ("after:2024-02-29", local(2024, 2, 29), None),  # a leap day
        ("after:2023 before:2024", local(2023, 1, 1), local(2024, 1, 1)),
        ("after:2024-01 after:2024-03", local(2024, 3, 1), None),  # all must hold: latest
        ("before:2024-09 before:2024-03", None, local(2024, 3, 1)),  # earliest
        ("after:", None, None),  # still being typed
        ("before: ", None, None),
    ],
)
def test_dates(raw, after, before):
    q = parse_query(raw)
    assert (q.after, q.before) == (after, before)
    assert q.text == ""


def test_after_is_inclusive_and_before_exclusive_at_the_start_of_the_period():
    q = parse_query("after:2024-06 before:2024-07")
    first, last = local(2024, 6, 1), local(2024, 6, 30, 23, 59, 59)
    assert q.after is not None and q.before is not None
    assert q.after <= first < q.before  # June 1, 00:00 is in
    assert q.after <= last < q.before  # June 30, 23:59:59 is in
    assert not local(2024, 5, 31, 23, 59, 59) >= q.after  # May 31 is out
    assert not local(2024, 7, 1) < q.before  # July 1, 00:00 is out


@pytest.fixture
def new_york():
    """Local time set to a zone far from UTC, so local and UTC midnights differ."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is Unix only")
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield ZoneInfo("America/New_York")
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_dates_are_local_midnights(new_york):
    q = parse_query("after:2024-06 before:2024-12-25")
    assert q.after == datetime(2024, 6, 1, tzinfo=new_york).timestamp()  # summer time
    assert q.before == datetime(2024, 12, 25, tzinfo=new_york).timestamp()  # winter time
    assert q.after != datetime(2024, 6, 1, tzinfo=ZoneInfo("UTC")).timestamp()


@pytest.mark.parametrize(
    ("raw", "bad"),
    [
        ("before:2024-13", "before:2024-13"),
        ("after:2024-00", "after:2024-00"),
        ("after:2024-02-30", "after:2024-02-30"),
        ("after:2023-02-29", "after:2023-02-29"),  # not a leap year
        ("after:yesterdayish", "after:yesterdayish"),
        ("before:24", "before:24"),
        ("before:2024-", "before:2024-"),
        ("before:2024/06", "before:2024/06"),
        ("after:0000", "after:0000"),
        ('dog after:"last week"', "after:last week"),
    ],
)
def test_bad_dates_say_the_accepted_forms(raw, bad):
    with pytest.raises(QueryError) as err:
        parse_query(raw)
    message = str(err.value)
    assert bad in message
    assert "YYYY, YYYY-MM or YYYY-MM-DD" in message


@pytest.mark.parametrize(
    "raw",
    ["after:2024-06 before:2024-06", "after:2024 before:2024", "before:2023 after:2024-05-01"],
)
def test_an_empty_date_range_is_an_error(raw):
    after = raw.split("after:")[1].split()[0]
    before = raw.split("before:")[1].split()[0]
    with pytest.raises(QueryError, match=f"after:{after} is not before before:{before}"):
        parse_query(raw)


def test_query_error_is_a_value_error():
    assert issubclass(QueryError, ValueError)


# --- in: and name: -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "folders"),
    [
        ("in:/data/photos", ("/data/photos",)),
        ('in:"/data/My Pictures"', ("/data/My Pictures",)),
        ('in:"/data/two  spaces"', ("/data/two  spaces",)),  # folder names are kept exactly
        ("IN:/a in:/b", ("/a", "/b")),
        ("in:relative/dir", ("relative/dir",)),  # not resolved against the disk
        ('in:"/data/unclosed dir', ("/data/unclosed dir",)),
        ("in:", ()),
        ('in:""', ()),
    ],
)
def test_in(raw, folders):
    q = parse_query(raw)
    assert q.folders == folders
    assert q.text == ""


def test_in_expands_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    q = parse_query('in:~/Pictures in:"~/My Docs"')
    assert q.folders == (str(tmp_path / "Pictures"), str(tmp_path / "My Docs"))
    assert not Path(q.folders[0]).exists()  # expanded, never checked against the disk


@pytest.mark.parametrize(
    ("raw", "names", "text"),
    [
        ("name:report", ("report",), ""),
        ('name:"q3 report"', ("q3 report",), ""),
        ("NAME:IMG_0042.jpg chart", ("IMG_0042.jpg",), "chart"),
        ("name:a name:b", ("a", "b"), ""),
        ("name:", (), ""),
    ],
)
def test_name(raw, names, text):
    q = parse_query(raw)
    assert (q.names, q.text) == (names, text)


@pytest.mark.parametrize("raw", ["-kind:pdf", "dog -in:/tmp", '-name:"a b"', "-after:2024"])
def test_operators_cannot_be_excluded(raw):
    value = raw.split(":", 1)[1].strip('"')
    with pytest.raises(QueryError, match="cannot exclude") as err:
        parse_query(raw)
    assert value in str(err.value)


def test_an_excluded_operator_with_no_value_yet_is_ignored():
    assert parse_query("dog -kind:") == parse_query("dog ")


# --- combinations ------------------------------------------------------------------------------


def test_everything_at_once():
    q = parse_query(
        'kind:slides,pdf after:2024-01 before:2024-07 in:"/w/My Decks" name:q3 '
        'revenue "bar chart" -draft -"old version" Growth'
    )
    assert q == Query(
        text="revenue bar chart Growth",
        words=("revenue", "Growth"),
        phrases=("bar chart",),
        excluded=("draft", "old version"),
        names=("q3",),
        kinds=("slides", "pdf"),
        after=local(2024, 1, 1),
        before=local(2024, 7, 1),
        folders=("/w/My Decks",),
        prefix="Growth",
    )


def test_operators_do_not_leak_into_text():
    q = parse_query("chart kind:pdf in:/x name:y after:2020 before:2021 -z")
    assert q.text == "chart"
    assert q.words == ("chart",)


# --- prefix (search as you type) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "prefix"),
    [
        ("rev", "rev"),
        ("Q3 rev", "rev"),
        ("rev ", None),
        ("rev\t", None),
        ("kind:pdf", None),
        ("kind:pdf rev", "rev"),
        ("rev kind:pdf", None),
        ("rev in:/x", None),
        ('"exact phr', None),
        ('"exact phrase"', None),
        ("-rev", None),
        ("rev -", None),
        ("10:3", "10:3"),
        ("", None),
        (" ", None),
    ],
)
def test_prefix(raw, prefix):
    q = parse_query(raw)
    assert q.prefix == prefix
    if prefix is not None:
        assert q.words[-1] == prefix  # the prefix is still one of the words


def test_every_keystroke_of_a_query_parses_or_says_why():
    """Search-as-you-type: a half-typed query never fails with anything but a QueryError.

    Only half-typed kinds and dates fail, and their messages list the valid kinds or date forms,
    which doubles as a hint; unclosed quotes, a lone "-" and an empty operator are ignored.
    """
    full = 'kind:pdf in:"~/My Work" -"old draft" name:"q3 deck" after:2024-06 revenue chart -'
    failed = []
    for end in range(len(full) + 1):
        try:
            parse_query(full[:end])
        except QueryError:
            failed.append(full[:end])
    head = full[: full.index("after:")]
    half_dates = ["2", "20", "202", "2024-", "2024-0"]  # after:2024 itself is a valid date
    assert failed == ["kind:p", "kind:pd", *(f"{head}after:{date}" for date in half_dates)]
    assert parse_query(full).prefix is None
    assert parse_query(full[:-2]).prefix == "chart"


# --- is_empty ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "empty"),
    [
        ("", True),
        ("   ", True),
        ("kind:pdf after:2024 in:/x", True),
        ("-draft", True),
        ("-", True),
        ("dog", False),
        ('"a phrase"', False),
        ("name:report", False),
        ("kind:pdf name:report", False),
    ],
)
def test_is_empty(raw, empty):
    assert parse_query(raw).is_empty() is empty
