"""The "estate" workload: 200 assets' CycloneDX 1.5 JSON SBOMs and the advisory set they are checked against.

Generated once, deterministically, into ``~/.cache/patchbook-bench/estate-<hash>/`` (the hash covers the
parameters below, the generator version, ``peers/bench/gen.py`` and the real advisory files), so repeated
bench runs skip generation. Layout of that directory:

``synthetic/{PyPI,npm}/*.json``
    ``peers/bench/gen.py``'s records replicated ``COPIES`` times under new ids, aliases and package names
    (odd npm copies get a scope, ``@synthN/name``). Aliases are ``CVE-2099-NNNNN`` so that they can never
    join a real advisory's alias group.
``new100/*.json``
    100 new advisories naming packages that are in the estate (for the re-match measurement).
``osv/{PyPI,npm}/*.json``
    everything above plus the real PyPI advisories converted from YAML to JSON, as the peers need it
    (hard links to the synthetic and new files; real copies as far as the tools can tell).
``sboms/<asset>.cdx.json``, ``requirements/<asset>.txt``, ``estate.yaml``
    the assets: each SBOM lists 300-3,000 PyPI and npm components drawn from a shared pool with Zipf-like
    popularity (first the package, then one of its versions, also Zipf-like); the requirements file is
    the PyPI part as ``name==version`` pins; ``estate.yaml`` is the inventory for ``patchbook inventory
    apply``.
``single/single-1000.cdx.json``
    one more 1,000-component SBOM, for the single-SBOM end-to-end check.

The pool: packages without advisories (twice as many as those with some: most of a real estate is
clean), every synthetic package with the versions its advisories mention (range events and versions
lists) plus the next patch release of each, and every real PyPI package with the versions listed in its
advisories (``versions`` and ``fixed`` events), those that parse as PEP 440. A real package whose
ECOSYSTEM range holds a version that is not PEP 440 is left out of the pool: there is no agreed answer
for it, so it would measure nothing but a convention.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import json
import os
import random
import shutil
import subprocess
import sys
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

GEN_VERSION = 4
PARAMS: dict[str, Any] = {
    "assets": 200,
    "min_components": 300,
    "max_components": 3000,
    "copies": 4,
    "seed": 20250601,
    "package_zipf": 1.0,
    "version_zipf": 1.3,
    "new_advisories": 100,
    "single_components": 1000,
    "clean_per_advised": 2,  # packages without any advisory, per package with some
}
MIN_INSTANCES = 200_000
MIN_UNIQUE = 20_000
ROLES = (
    "matching-engine",
    "risk-engine",
    "md-gateway",
    "order-gateway",
    "settlement",
    "wallet-signer",
    "pricing",
    "margin",
    "custody",
    "reporting",
)
CVSS = (
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N",
    "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N",
)

Package = tuple[str, str]  # (ecosystem, advisory spelling of the name)


@dataclass(frozen=True)
class Estate:
    root: Path
    real_dir: Path  # the real PyPI advisories, YAML, as shipped in shared/data
    synthetic_dir: Path
    new_dir: Path
    osv_dir: Path  # everything, JSON, osv/<Ecosystem>/*.json
    inventory: Path
    assets: list[str]
    single_sbom: Path
    stats: dict[str, int]

    def sbom(self, asset: str) -> Path:
        return self.root / "sboms" / f"{asset}.cdx.json"

    def requirements(self, asset: str) -> Path:
        return self.root / "requirements" / f"{asset}.txt"


def cache_root() -> Path:
    return Path(os.environ.get("PATCHBOOK_BENCH_CACHE") or Path.home() / ".cache" / "patchbook-bench")


def _key(shared: Path) -> str:
    h = hashlib.sha256(json.dumps({"v": GEN_VERSION, **PARAMS}, sort_keys=True).encode())
    h.update((shared / "peers" / "bench" / "gen.py").read_bytes())
    real = shared / "data" / "osv" / "pypi"
    for path in sorted(real.rglob("*.yaml")):
        h.update(f"{path.relative_to(real)}:{path.stat().st_size}".encode())
    return h.hexdigest()[:16]


def ensure(shared: Path, log: Any = print) -> Estate:
    """The estate for these parameters, generated unless already in the cache."""
    root = cache_root() / f"estate-{_key(shared)}"
    if not (root / "DONE").is_file():
        log(f"estate: generating into {root} (once)")
        tmp = root.with_name(root.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        stats = _generate(shared, tmp)
        (tmp / "stats.json").write_text(json.dumps(stats, indent=1))
        (tmp / "DONE").write_text("ok\n")
        shutil.rmtree(root, ignore_errors=True)
        tmp.rename(root)
    stats = json.loads((root / "stats.json").read_text())
    assets = [a["name"] for a in yaml.safe_load((root / "estate.yaml").read_text())["assets"]]
    return Estate(
        root=root,
        real_dir=shared / "data" / "osv" / "pypi",
        synthetic_dir=root / "synthetic",
        new_dir=root / "new100",
        osv_dir=root / "osv",
        inventory=root / "estate.yaml",
        assets=assets,
        single_sbom=root / "single" / "single-1000.cdx.json",
        stats=stats,
    )


# ---------------------------------------------------------------------------------------------- advisories


def _iso(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _real_records(real_dir: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted(real_dir.rglob("*.yaml")):
        record = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
        for field in ("modified", "published", "withdrawn"):
            if field in record:
                record[field] = _iso(record[field])
        for affected in record.get("affected", []):
            for version in affected.get("versions", []):
                if not isinstance(version, str):
                    raise ValueError(f"{path}: version {version!r} is not a string in YAML")
        records.append(record)
    return records


def _gen_records(shared: Path, out: Path) -> list[dict[str, Any]]:
    gen = shared / "peers" / "bench" / "gen.py"
    subprocess.run([sys.executable, str(gen), str(out)], check=True, capture_output=True)
    paths = [p for eco in ("PyPI", "npm") for p in sorted((out / "osv" / eco).glob("*.json"))]
    return [orjson.loads(p.read_bytes()) for p in paths]


def _copy_name(eco: str, name: str, copy: int) -> str:
    if eco == "npm" and copy % 2 == 1:
        return f"@synth{copy}/{name}"
    return f"{name}-c{copy}"


def _replicate(base: list[dict[str, Any]], copies: int) -> list[dict[str, Any]]:
    out = []
    for copy in range(copies):
        for record in base:
            number = int(record["id"].rsplit("-", 1)[1])
            rec = dict(record)
            rec["id"] = f"SYN-C{copy}-{number:06d}"
            rec["aliases"] = [f"CVE-2099-{copy * 100_000 + number:06d}"]
            rec["summary"] = f"synthetic advisory {rec['id']}"
            rec["affected"] = [
                {
                    **a,
                    "package": {
                        **a["package"],
                        "name": _copy_name(a["package"]["ecosystem"], a["package"]["name"], copy),
                    },
                }
                for a in record["affected"]
            ]
            out.append(rec)
    return out


# ---------------------------------------------------------------------------------------------- versions


def semver_key(version: str) -> tuple[Any, ...]:
    """SemVer 2.0 precedence: release numbers, then a release above any of its pre-releases."""
    core = version.split("+", 1)[0]
    release, _, pre = core.partition("-")
    nums = tuple(int(x) for x in release.split("."))
    if not pre:
        return (nums, 1, ())
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (nums, 0, parts)


def version_key(eco: str, version: str) -> Any:
    return Version(version) if eco == "PyPI" else semver_key(version)


def _next_patch(eco: str, version: str) -> str | None:
    if eco == "PyPI":
        v = Version(version)
        if v.pre or v.post or v.dev or v.local or v.epoch:
            return None
        rel = list(v.release) + [0] * (3 - len(v.release))
        return ".".join(map(str, [*rel[:-1], rel[-1] + 1]))
    if "-" in version or "+" in version:
        return None
    a, b, c = version.split(".")
    return f"{a}.{b}.{int(c) + 1}"


def _mentioned(records: list[dict[str, Any]], with_events: bool) -> dict[Package, set[str]]:
    found: dict[Package, set[str]] = defaultdict(set)
    for record in records:
        for a in record["affected"]:
            pkg = (a["package"]["ecosystem"], a["package"]["name"])
            found[pkg].update(a.get("versions", []))
            for r in a.get("ranges", []):
                if r["type"] not in ("ECOSYSTEM", "SEMVER"):
                    continue
                for event in r["events"]:
                    for kind, value in event.items():
                        if value != "0" and (with_events or kind == "fixed"):
                            found[pkg].add(value)
    return found


def _synthetic_pool(base: list[dict[str, Any]], copies: int) -> dict[Package, list[str]]:
    pool: dict[Package, list[str]] = {}
    for (eco, name), versions in _mentioned(base, with_events=True).items():
        universe = set(versions) or {"1.0.0"}  # only "introduced: 0" ranges: any version is affected
        universe.update(n for v in versions if (n := _next_patch(eco, v)))
        ordered = sorted(universe, key=lambda v, e=eco: version_key(e, v))  # type: ignore[misc]
        for copy in range(copies):
            pool[(eco, _copy_name(eco, name, copy))] = ordered
    return pool


def _clean_pool(count: int, rng: random.Random) -> dict[Package, list[str]]:
    """Packages no advisory names, as most of a real estate is; a quarter of them npm, some scoped."""
    pool: dict[Package, list[str]] = {}
    for k in range(count):
        if k % 4:
            pkg = ("PyPI", f"clean-pypi-{k:05d}")
        else:
            pkg = ("npm", f"@venue{k % 7}/clean-npm-{k:05d}" if k % 8 == 0 else f"clean-npm-{k:05d}")
        majors, minors, patches = rng.randint(1, 4), rng.randint(1, 6), rng.randint(1, 5)
        pool[pkg] = [f"{a}.{b}.{c}" for a in range(majors) for b in range(minors) for c in range(patches)]
    return pool


def _real_pool(records: list[dict[str, Any]]) -> dict[Package, list[str]]:
    excluded: set[str] = set()
    for record in records:
        for a in record["affected"]:
            for r in a.get("ranges", []):
                if r["type"] != "ECOSYSTEM":
                    continue
                for event in r["events"]:
                    for value in event.values():
                        if value == "0":
                            continue
                        try:
                            Version(value)
                        except InvalidVersion:
                            excluded.add(canonicalize_name(a["package"]["name"]))
    pool: dict[Package, list[str]] = {}
    for (eco, name), versions in _mentioned(records, with_events=False).items():
        if eco != "PyPI" or canonicalize_name(name) in excluded:
            continue
        good = {}
        for v in versions:
            try:
                good.setdefault(Version(v), v)  # one spelling per PEP 440 version
            except InvalidVersion:
                continue
        if good:
            pool[(eco, name)] = [good[k] for k in sorted(good)]
    return pool


# ---------------------------------------------------------------------------------------------- SBOMs


def purl(eco: str, name: str, version: str) -> str:
    if eco == "PyPI":
        return f"pkg:pypi/{canonicalize_name(name)}@{version}"
    if name.startswith("@"):
        scope, bare = name.split("/", 1)
        return f"pkg:npm/%40{scope[1:]}/{bare}@{version}"
    return f"pkg:npm/{name}@{version}"


def _component(eco: str, name: str, version: str) -> dict[str, Any]:
    p = purl(eco, name, version)
    comp: dict[str, Any] = {"type": "library", "bom-ref": p}
    if eco == "npm" and name.startswith("@"):
        scope, bare = name.split("/", 1)
        comp.update(group=scope, name=bare)
    else:
        comp["name"] = name
    comp.update(version=version, purl=p)
    return comp


def _bom(asset: str, components: list[tuple[str, str, str]], rng: random.Random) -> bytes:
    comps = [_component(*c) for c in components]
    root_ref = f"asset:{asset}"
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
        "version": 1,
        "metadata": {
            "timestamp": "2025-06-01T00:00:00Z",
            "component": {"type": "application", "bom-ref": root_ref, "name": asset, "version": "1.0.0"},
        },
        "components": comps,
        "dependencies": [{"ref": root_ref, "dependsOn": [c["bom-ref"] for c in comps]}],
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2)


class _Sampler:
    """Zipf-like popularity over packages (weighted sampling without replacement) and over versions."""

    def __init__(self, pool: dict[Package, list[str]], rng: random.Random) -> None:
        self.packages = sorted(pool)
        rng.shuffle(self.packages)
        s = PARAMS["package_zipf"]
        self.inv_weights = [(rank + 1) ** s for rank in range(len(self.packages))]
        self.versions: dict[Package, tuple[list[str], list[float]]] = {}
        for pkg in self.packages:
            order = list(pool[pkg])
            rng.shuffle(order)
            weights = [1 / (j + 1) ** PARAMS["version_zipf"] for j in range(len(order))]
            self.versions[pkg] = (order, weights)

    def draw(self, rng: random.Random, count: int) -> list[tuple[str, str, str]]:
        # Efraimidis-Spirakis: the `count` largest u ** (1 / w) are a weighted sample without replacement.
        keys = ((rng.random() ** inv, i) for i, inv in enumerate(self.inv_weights))
        chosen = heapq.nlargest(count, keys)
        out = []
        for _, i in chosen:
            pkg = self.packages[i]
            order, weights = self.versions[pkg]
            out.append((pkg[0], pkg[1], rng.choices(order, weights)[0]))
        out.sort()
        return out


def _new_advisories(
    instances: dict[Package, set[str]], rng: random.Random, count: int
) -> list[dict[str, Any]]:
    packages = sorted(instances)
    rng.shuffle(packages)
    out = []
    for n, (eco, name) in enumerate(packages[:count], start=1):
        present = sorted(instances[(eco, name)], key=lambda v, e=eco: version_key(e, v))  # type: ignore[misc]
        affected: dict[str, Any] = {"package": {"ecosystem": eco, "name": name}}
        if n % 2 or len(present) == 1:
            affected["versions"] = [rng.choice(present)]
        else:
            fixed = present[rng.randrange(1, len(present))]
            rtype = "ECOSYSTEM" if eco == "PyPI" else "SEMVER"
            affected["ranges"] = [{"type": rtype, "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        rid = f"NEW-2025-{n:04d}"
        out.append(
            {
                "schema_version": "1.6.0",
                "id": rid,
                "modified": "2025-06-01T00:00:00Z",
                "published": "2025-06-01T00:00:00Z",
                "aliases": [f"CVE-2098-{n:05d}"],
                "summary": f"new advisory {rid} for {name}",
                "affected": [affected],
                "severity": [{"type": "CVSS_V3", "score": CVSS[n % len(CVSS)]}],
            }
        )
    return out


def _write_records(records: list[dict[str, Any]], out: Path, by_ecosystem: bool) -> list[Path]:
    paths = []
    for record in records:
        eco = record["affected"][0]["package"]["ecosystem"] if record.get("affected") else "PyPI"
        folder = out / eco if by_ecosystem else out
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{record['id']}.json"
        path.write_bytes(orjson.dumps(record))
        paths.append(path)
    return paths


def _link_into(paths: list[Path], osv_dir: Path) -> None:
    for path in paths:
        record = orjson.loads(path.read_bytes())
        eco = record["affected"][0]["package"]["ecosystem"]
        target = osv_dir / eco / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)


def _generate(shared: Path, root: Path) -> dict[str, int]:
    rng = random.Random(PARAMS["seed"])
    base = _gen_records(shared, root / "gen")
    shutil.rmtree(root / "gen")
    synthetic = _replicate(base, PARAMS["copies"])
    real = _real_records(shared / "data" / "osv" / "pypi")

    pool = {**_synthetic_pool(base, PARAMS["copies"]), **_real_pool(real)}
    pool.update(_clean_pool(PARAMS["clean_per_advised"] * len(pool), rng))
    sampler = _Sampler(pool, rng)
    (root / "sboms").mkdir()
    (root / "requirements").mkdir()
    final_root = root.with_name(root.name.removesuffix(".tmp"))
    inventory = []
    instances: dict[Package, set[str]] = defaultdict(set)
    total = 0
    for i in range(PARAMS["assets"]):
        asset = f"{ROLES[i % len(ROLES)]}-{i:03d}"
        comps = sampler.draw(rng, rng.randint(PARAMS["min_components"], PARAMS["max_components"]))
        total += len(comps)
        for eco, name, version in comps:
            instances[(eco, name)].add(version)
        sbom = root / "sboms" / f"{asset}.cdx.json"
        sbom.write_bytes(_bom(asset, comps, rng))
        (root / "requirements" / f"{asset}.txt").write_text(
            "".join(f"{name}=={version}\n" for eco, name, version in comps if eco == "PyPI")
        )
        inventory.append({"name": asset, "kind": "service", "sbom": str(final_root / "sboms" / sbom.name)})
    (root / "estate.yaml").write_text(yaml.safe_dump({"assets": inventory}, sort_keys=False))
    (root / "single").mkdir()
    single = sampler.draw(rng, PARAMS["single_components"])
    (root / "single" / "single-1000.cdx.json").write_bytes(_bom("single-1000", single, rng))

    unique = sum(len(v) for v in instances.values())
    if total < MIN_INSTANCES or unique < MIN_UNIQUE:
        raise RuntimeError(f"estate too small: {total} instances, {unique} unique (eco, name, version)")

    new = _new_advisories(instances, rng, PARAMS["new_advisories"])
    synth_paths = _write_records(synthetic, root / "synthetic", by_ecosystem=True)
    new_paths = _write_records(new, root / "new100", by_ecosystem=False)
    _write_records(real, root / "osv", by_ecosystem=True)
    _link_into(synth_paths + new_paths, root / "osv")
    return {
        "assets": PARAMS["assets"],
        "instances": total,
        "unique": unique,
        "unique_packages": len(instances),
        "pool_packages": len(pool),
        "real_records": len(real),
        "synthetic_records": len(synthetic),
        "new_records": len(new),
    }


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    shared_dir = Path(os.environ.get("PATCHBOOK_SHARED") or here.parent.parent / "shared").resolve()
    estate = ensure(shared_dir)
    print(estate.root, estate.stats)
