"""The `framework` check: a credential's alignments to frameworks and programs we publish must
point at what that exact published version says.

* an alignment to `{base}/frameworks/<id>/<version>/statements/<sid>` must name a statement of
  that version, with the statement's text as `targetName` and its id as `targetCode`;
* a level credential (`result.achievedLevel` at `.../levels/<lid>`) names a level of that
  framework version and aligns to exactly that level's statements;
* an alignment to `{base}/programs/<id>/<version>/items/<iid>` must name that program item;
* a credential whose achievement is one of a program's (`{base}/programs/<id>/<version>/...`)
  carries that program's O*NET-SOC and RAPIDS codes, and the completion credential must;
* an alignment to a framework we do not publish gives a warning: we cannot vouch for it.

Framework and program versions never change once published, so what was looked up is cached.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable
from urllib.parse import unquote

from issuer.verify.result import FAIL, PASS, SKIPPED, WARNING, VerificationResult
from issuer.verify.vcdm import as_list
from issuer.vocab import ONET_SOC_TYPE, RAPIDS_TYPE

Lookup = Callable[[str, str], "dict | None"]
COMPLETION = "ApprenticeshipCertificate"
CODE_TYPES = {ONET_SOC_TYPE: ("onet_soc", "O*NET-SOC"), RAPIDS_TYPE: ("rapids_code", "RAPIDS")}


def _statements(framework: dict) -> dict[str, tuple[dict, dict]]:
    return {s["id"]: (level, s) for level in framework.get("levels") or [] for s in level.get("statements") or []}


def _program_items(program: dict) -> dict[str, str]:
    items = {w["id"]: w.get("title") for w in program.get("work_processes") or []}
    items.update({c["id"]: c.get("text") for c in program.get("competencies") or []})
    items.update({c["id"]: c.get("title") for c in (program.get("related_instruction") or {}).get("courses") or []})
    return items


class FrameworkChecker:
    def __init__(self, base_url: str, framework: Lookup, program: Lookup):
        self.base_url = base_url.rstrip("/")
        self._framework_lookup, self._program_lookup = framework, program
        self._cache: dict[tuple, dict] = {}

    def _cached(self, kind: str, lookup: Lookup, ident: str, version: str) -> dict | None:
        key = (kind, ident, version)
        if key not in self._cache:
            document = lookup(ident, version)
            if document is None:
                return None           # not cached: it may be published later
            self._cache[key] = document
        return self._cache[key]

    def _parse(self, url, collection: str) -> tuple[str, str, str, str] | None:
        """(id, version, kind, item) of an URL under {base}/{collection}/, else None."""
        prefix = f"{self.base_url}/{collection}/"
        if not isinstance(url, str) or not url.startswith(prefix):
            return None
        tail = url[len(prefix):].split("#", 1)[0].split("?", 1)[0].split("/")
        ident, version = tail[0], unquote(tail[1]) if len(tail) > 1 else ""
        kind, item = (tail[2], unquote("/".join(tail[3:]))) if len(tail) >= 4 else ("", "")
        return ident, version, kind, item

    def _check_subject(self, subject: dict, fails: list, warns: list, counts: dict) -> None:
        achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
        alignments = [a for a in as_list(achievement.get("alignment")) if isinstance(a, dict)]
        program, program_name = None, None
        ours = self._parse(achievement.get("id"), "programs")
        if ours is not None:
            program = self._cached("program", self._program_lookup, ours[0], ours[1])
            program_name = f"program {ours[0]} version {ours[1]}"
            if program is None:
                fails.append(f"the achievement belongs to {program_name}, which is not published")
        aligned: dict[tuple[str, str], set] = {}
        seen_codes = set()
        unknown: Counter = Counter()
        for alignment in alignments:
            label = alignment.get("targetName") or alignment.get("targetUrl")
            target_type = alignment.get("targetType")
            if target_type in CODE_TYPES:
                code_program, code_program_name = program, program_name
                by_url = self._parse(alignment.get("targetUrl"), "programs")
                if by_url is not None and by_url[:2] != (ours or ("", ""))[:2]:
                    code_program = self._cached("program", self._program_lookup, by_url[0], by_url[1])
                    code_program_name = f"program {by_url[0]} version {by_url[1]}"
                if code_program is not None:
                    field, name = CODE_TYPES[target_type]
                    seen_codes.add(target_type)
                    counts["codes"] += 1
                    if alignment.get("targetCode") != code_program.get(field):
                        fails.append(f"the {name} code {alignment.get('targetCode')!r} is not {code_program_name}'s "
                                     f"({code_program.get(field)!r})")
                    continue
            statement = self._parse(alignment.get("targetUrl"), "frameworks")
            item = self._parse(alignment.get("targetUrl"), "programs")
            if statement is not None:
                self._check_statement(statement, alignment, label, fails, aligned)
                counts["statements"] += 1
            elif item is not None:
                self._check_item(item, alignment, label, fails)
                counts["items"] += 1
            else:
                named = alignment.get("targetFramework") or alignment.get("targetUrl")
                unknown[named if isinstance(named, str) else "?"] += 1  # any JSON may stand there
        for framework, count in unknown.items():
            warns.append(f"{count} alignment(s) to '{framework}', a framework this verifier does not publish, "
                         "were not checked")
        for result in as_list(subject.get("result")):
            level_url = result.get("achievedLevel") if isinstance(result, dict) else None
            parsed = self._parse(level_url, "frameworks")
            if parsed is not None:
                counts["levels"] += 1
                self._check_level(parsed, aligned, fails)
        if program is not None and achievement.get("achievementType") == COMPLETION:
            for target_type, (field, name) in CODE_TYPES.items():
                if program.get(field) and target_type not in seen_codes:
                    fails.append(f"the completion credential does not carry {program_name}'s {name} code "
                                 f"{program.get(field)}")

    def _check_statement(self, parsed, alignment, label, fails, aligned) -> None:
        framework_id, version, kind, sid = parsed
        framework = self._cached("framework", self._framework_lookup, framework_id, version) if framework_id else None
        if framework is None:
            fails.append(f"'{label}' points at framework {framework_id} version {version}, which is not published")
            return
        if kind != "statements":
            fails.append(f"'{label}' points at {alignment.get('targetUrl')}, which is not a statement")
            return
        found = _statements(framework).get(sid)
        if found is None:
            fails.append(f"'{label}' points at statement {sid}, which version {version} of {framework_id} does not have")
            return
        _, statement = found
        if alignment.get("targetName") != statement.get("text"):
            fails.append(f"alignment to {sid}: the name differs from statement {sid} of {framework_id} version {version}")
        if "targetCode" in alignment and alignment["targetCode"] != sid:
            fails.append(f"alignment to {sid}: the code {alignment['targetCode']!r} is not {sid!r}")
        aligned.setdefault((framework_id, version), set()).add(sid)

    def _check_item(self, parsed, alignment, label, fails) -> None:
        program_id, version, kind, item_id = parsed
        program = self._cached("program", self._program_lookup, program_id, version) if program_id else None
        if program is None:
            fails.append(f"'{label}' points at program {program_id} version {version}, which is not published")
            return
        items = _program_items(program)
        if kind != "items" or item_id not in items:
            fails.append(f"'{label}' points at {item_id or alignment.get('targetUrl')}, which version {version} of "
                         f"program {program_id} does not have")
            return
        if alignment.get("targetName") != items[item_id]:
            fails.append(f"alignment to {item_id}: the name differs from that item of program {program_id} version {version}")
        if "targetCode" in alignment and alignment["targetCode"] != item_id:
            fails.append(f"alignment to {item_id}: the code {alignment['targetCode']!r} is not {item_id!r}")

    def _check_level(self, parsed, aligned, fails) -> None:
        framework_id, version, kind, level_id = parsed
        framework = self._cached("framework", self._framework_lookup, framework_id, version) if framework_id else None
        levels = {lvl["id"]: lvl for lvl in (framework or {}).get("levels") or []}
        if framework is None or kind != "levels" or level_id not in levels:
            fails.append(f"the achieved level {level_id or '?'} is not a level of framework {framework_id} "
                         f"version {version}")
            return
        required = {s["id"] for s in levels[level_id].get("statements") or []}
        covered = aligned.get((framework_id, version), set())
        missing, extra = sorted(required - covered), sorted(covered - required)
        if missing:
            fails.append(f"the level '{levels[level_id].get('label', level_id)}' needs statements it does not cover: "
                         + ", ".join(missing[:10]))
        if extra:
            fails.append(f"the level '{levels[level_id].get('label', level_id)}' is claimed with statements of "
                         "other levels: " + ", ".join(extra[:10]))

    def __call__(self, credential: dict, result: VerificationResult) -> None:
        fails, warns = [], []
        counts = {"statements": 0, "items": 0, "levels": 0, "codes": 0}
        for subject in as_list(credential.get("credentialSubject")):
            if isinstance(subject, dict):
                self._check_subject(subject, fails, warns, counts)
        checked = sum(counts.values())
        if fails:
            result.add("framework", FAIL, "; ".join(fails[:10]))
        elif warns:
            result.add("framework", WARNING, "; ".join(warns[:5]) + (f" ({checked} other alignments checked)"
                                                                    if checked else ""))
        elif checked:
            parts = [f"{n} {k}" for k, n in counts.items() if n]
            result.add("framework", PASS, "every alignment matches the published framework and program versions ("
                       + ", ".join(parts) + " checked)")
        else:
            result.add("framework", SKIPPED, "the credential is aligned to no framework")
