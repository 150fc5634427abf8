"""Checks on the transcribed program and framework files shipped as package data.

The files are loaded directly as JSON (no service code involved), so these tests
guard the data itself: format, ids, codes and the hour arithmetic stated by the
source documents.
"""

import json
import re
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).parent.parent / "issuer/programs/data"

ID_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
FRAMEWORK_ID = "framework-csr-43-4051-00"
CSR_SOC = "43-4051.00"

PROGRAM_IDS = [
    "dol-csr-3001cb",
    "ny-csr",
    "imec-csr",
    "dol-cs-tech-support-3031",
]
ALL_IDS = PROGRAM_IDS + [FRAMEWORK_ID]

PROGRAM_KEYS = [
    "kind", "id", "version", "title", "approach", "onet_soc", "rapids_code",
    "frameworks", "source", "term", "hybrid", "work_processes",
    "related_instruction", "competencies", "competency_levels", "signoff_requires_signer", "notes",
]
SOURCE_KEYS = ["file", "title", "publisher", "date", "reference"]
TERM_KEYS = ["ojl_hours", "years", "description"]
WP_KEYS = ["id", "code", "title", "hours", "tasks"]
RI_KEYS = ["hours_per_year", "total_hours", "description", "courses"]
COURSE_KEYS = ["id", "code", "title", "hours", "topics"]
COMPETENCY_KEYS = ["id", "category", "text"]
FRAMEWORK_HEAD_KEYS = [
    "kind", "id", "version", "title", "occupation", "description",
    "context_covered", "source", "levels",
]
LEVELS3 = ["fundamentals", "intermediate", "proficient"]


def load(name):
    return json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def collect_ids(node, found):
    """Every value of an "id" key anywhere in the document."""
    if isinstance(node, dict):
        if "id" in node:
            found.append(node["id"])
        for value in node.values():
            collect_ids(value, found)
    elif isinstance(node, list):
        for value in node:
            collect_ids(value, found)
    return found


def collect_strings(node, found):
    if isinstance(node, dict):
        for value in node.values():
            collect_strings(value, found)
    elif isinstance(node, list):
        for value in node:
            collect_strings(value, found)
    elif isinstance(node, str):
        found.append(node)
    return found


@pytest.fixture(scope="module", params=ALL_IDS)
def document(request):
    return request.param, load(request.param)


# --------------------------------------------------------------- every file

def test_data_dir_holds_exactly_the_expected_files():
    names = sorted(p.stem for p in DATA_DIR.glob("*.json"))
    assert names == sorted(ALL_IDS)


def test_file_is_canonical_json(document):
    name, doc = document
    text = (DATA_DIR / f"{name}.json").read_text(encoding="utf-8")
    assert text == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def test_id_matches_file_name(document):
    name, doc = document
    assert doc["id"] == name


def test_ids_unique_and_well_formed(document):
    _, doc = document
    ids = collect_ids(doc, [])
    assert ids, "no ids found"
    bad = [i for i in ids if not isinstance(i, str) or not ID_RE.match(i)]
    assert not bad, bad
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes, dupes


def test_no_surrounding_whitespace_in_texts(document):
    _, doc = document
    bad = [s for s in collect_strings(doc, []) if s != s.strip()]
    assert not bad, bad


# --------------------------------------------------------------- programs

@pytest.fixture(scope="module", params=PROGRAM_IDS)
def program(request):
    return load(request.param)


def test_program_key_order(program):
    assert list(program) == PROGRAM_KEYS
    assert list(program["source"]) == SOURCE_KEYS
    assert list(program["term"]) == TERM_KEYS
    assert list(program["related_instruction"]) == RI_KEYS
    for wp in program["work_processes"]:
        assert list(wp) == WP_KEYS
        for task in wp["tasks"]:
            assert list(task) == ["id", "text"]
    for course in program["related_instruction"]["courses"]:
        assert list(course) == COURSE_KEYS
        for topic in course["topics"]:
            assert list(topic) == ["id", "text"]
    for comp in program["competencies"]:
        assert list(comp) == COMPETENCY_KEYS


def test_program_basics(program):
    assert program["kind"] == "program"
    assert program["version"] == "1"
    assert program["approach"] in ("time-based", "competency-based", "hybrid")
    assert program["notes"]


def test_frameworks_follow_onet_code(program):
    expected = [FRAMEWORK_ID] if program["onet_soc"] == CSR_SOC else []
    assert program["frameworks"] == expected


def test_competency_levels_follow_approach(program):
    if program["approach"] in ("competency-based", "hybrid"):
        assert program["competency_levels"] == LEVELS3
        assert program["competencies"]
    else:
        assert program["competency_levels"] == []


def test_hybrid_block_only_for_hybrid(program):
    if program["approach"] == "hybrid":
        hybrid = program["hybrid"]
        assert list(hybrid) == ["minimum_ojl_hours", "rationale"]
        assert isinstance(hybrid["minimum_ojl_hours"], int)
        assert hybrid["rationale"].strip()
    else:
        assert program["hybrid"] is None


def test_work_process_ids_derive_from_codes(program):
    for wp in program["work_processes"]:
        assert wp["id"] == f"wp-{wp['code'].lower()}"
        assert [t["id"] for t in wp["tasks"]] == [
            f"{wp['id']}.{n}" for n in range(1, len(wp["tasks"]) + 1)
        ]


def test_work_process_hours_match_term_when_stated(program):
    wps = program["work_processes"]
    term = program["term"]["ojl_hours"]
    if program["approach"] == "time-based":
        assert term is not None
        assert all(isinstance(wp["hours"], int) for wp in wps)
        assert sum(wp["hours"] for wp in wps) == term


# --------------------------------------------------------------- specific programs

def test_dol_csr():
    p = load("dol-csr-3001cb")
    assert p["onet_soc"] == "43-4051.00"
    assert p["rapids_code"] == "3001CB"
    assert p["approach"] == "competency-based"
    assert p["source"]["reference"] == "BULLETIN 2020-100"
    assert p["term"]["ojl_hours"] is None
    assert p["work_processes"] == []
    ri = p["related_instruction"]
    courses = ri["courses"]
    assert len(courses) == 12
    assert all(c["hours"] == 24 for c in courses)
    assert sum(c["hours"] for c in courses) == 288
    assert ri["hours_per_year"] == 288
    assert ri["total_hours"] == 288
    assert [c["id"] for c in courses] == [f"ri-{n:02d}" for n in range(1, 13)]
    assert len(p["competencies"]) == 52
    categories = [c["category"] for c in p["competencies"] if c["category"]]
    assert list(dict.fromkeys(categories)) == [
        "Develop Technical Solutions",
        "Client Solicitation",
        "Ticket Management and Documentation",
        "Prospecting",
        "Presenting",
    ]


def test_ny_csr():
    p = load("ny-csr")
    assert p["onet_soc"] == "43-4051.00"
    assert p["rapids_code"] is None
    assert p["approach"] == "time-based"
    wps = p["work_processes"]
    assert [wp["code"] for wp in wps] == list("ABCDEFG")
    assert [wp["hours"] for wp in wps] == [100, 200, 300, 500, 400, 250, 250]
    assert sum(wp["hours"] for wp in wps) == 2000 == p["term"]["ojl_hours"]
    assert [len(wp["tasks"]) for wp in wps] == [6, 6, 4, 10, 9, 5, 7]
    ri = p["related_instruction"]
    assert ri["hours_per_year"] == 144
    assert [len(c["topics"]) for c in ri["courses"]] == [3, 18]
    assert "approximate" in p["notes"].lower()


def test_imec_csr():
    p = load("imec-csr")
    assert p["approach"] == "hybrid"
    assert p["term"]["years"] == 2
    minimum = p["hybrid"]["minimum_ojl_hours"]
    # 29 CFR 29.5(b)(2)(iii): a specified minimum of OJL hours plus competencies;
    # kept within the 2,000-hour floor and the nominal 2 x 2,000 = 4,000-hour term.
    assert 2000 <= minimum <= 4000
    assert "29.5(b)(2)(iii)" in p["hybrid"]["rationale"]
    assert len(p["competencies"]) == 16
    assert len({c["category"] for c in p["competencies"]}) == 14
    assert all(c["category"] for c in p["competencies"])


def test_dol_cs_tech_support():
    p = load("dol-cs-tech-support-3031")
    assert p["onet_soc"] == "15-1232.00"
    assert p["rapids_code"] == "3031"
    assert p["approach"] == "time-based"
    assert p["frameworks"] == []
    assert p["source"]["reference"] == "BULLETIN 2022-46"
    wps = p["work_processes"]
    assert [wp["code"] for wp in wps] == list("ABCD")
    assert [wp["hours"] for wp in wps] == [1500, 500, 1000, 1000]
    assert sum(wp["hours"] for wp in wps) == 4000 == p["term"]["ojl_hours"]
    assert [len(wp["tasks"]) for wp in wps] == [4, 5, 5, 1]
    ri = p["related_instruction"]
    assert [c["hours"] for c in ri["courses"]] == [50, 68, 50, 40, 50, 30]
    assert sum(c["hours"] for c in ri["courses"]) == 288 == ri["total_hours"]


# --------------------------------------------------------------- framework

def test_framework():
    f = load(FRAMEWORK_ID)
    assert list(f)[: len(FRAMEWORK_HEAD_KEYS)] == FRAMEWORK_HEAD_KEYS
    assert f["kind"] == "framework"
    assert "version" in f and f["version"] is None
    assert f["occupation"]["soc"] == "43-4051.00"
    assert list(f["source"]) == ["file", "exported_at", "schema_version", "attribution"]
    assert f["source"]["file"] == "004_dfe4e47a65d9fb0e.txt"
    levels = f["levels"]
    assert [lv["label"] for lv in levels] == ["Emerging", "Developing", "Proficient", "Advanced"]
    assert [lv["order"] for lv in levels] == [1, 2, 3, 4]
    for lv in levels:
        assert lv["id"] == lv["label"].lower()
        assert len(lv["statements"]) == 10
        assert [s["id"] for s in lv["statements"]] == [
            f"{lv['id']}-{n:02d}" for n in range(1, 11)
        ]
        assert all(s["text"].strip() for s in lv["statements"])


def test_programs_reference_existing_frameworks():
    for pid in PROGRAM_IDS:
        for fid in load(pid)["frameworks"]:
            assert (DATA_DIR / f"{fid}.json").is_file(), (pid, fid)
