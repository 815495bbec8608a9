"""The workloads (W1-W7, W9; R, C, T, P), their targets, and the inputs and render jobs each one needs.

Every input is generated here, deterministically: photos from :mod:`render_engine.testing.synth` (cached), one
distinct copy per render (see :mod:`benchmarks.inputs`), and design JSON files written into the run's
scratch folder. Both the engine and the baseline render the very same files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .inputs import (
    NAMES,
    VARIANTS,
    Geometry,
    Json,
    PhotoCache,
    PhotoSpec,
    batch_design,
    photo_text_design,
    tagged_copy,
    write_design,
)
from .jobs import Job
from .runner import Case

Metric = Literal[
    "p50_s", "p95_s", "peak_rss_mb", "speedup", "throughput_per_s", "parallel_efficiency",
    "ratio_p50", "ratio_throughput", "scaling",
]  # fmt: skip


@dataclass(frozen=True)
class Target:
    metric: Metric
    op: Literal["<=", ">="]
    value: float
    text: str


@dataclass(frozen=True)
class RowDef:
    key: str
    workload: str
    name: str
    description: str
    targets: tuple[Target, ...] = ()
    baseline: bool = False


ROWS: tuple[RowDef, ...] = (
    RowDef(
        "W1", "W1", "mug-pdf",
        "11oz mug wrap: 12-MP customer JPEG cover-fitted over the bleed box + a name (Noto Sans), CMYK PDF/X-4",
        (Target("p50_s", "<=", 0.200, "p50 <= 200 ms"), Target("speedup", ">=", 5.0, ">= 5x baseline")),
        baseline=True,
    ),
    RowDef(
        "W2", "W2", "poster-pdf",
        "24x36 in poster at 300 DPI: full-bleed 24-MP photo + title, CMYK PDF/X-4 (the memory workload)",
        (
            Target("p50_s", "<=", 2.0, "p50 <= 2 s"),
            Target("peak_rss_mb", "<=", 300.0, "peak RSS <= 300 MB"),
            Target("speedup", ">=", 8.0, ">= 8x baseline"),
        ),
        baseline=True,
    ),
    RowDef("W3", "W3", "mug-preview", "W1's design as an 800 px mockup JPEG (a new photo every render)",
           (Target("p50_s", "<=", 0.060, "p50 <= 60 ms"),)),
    RowDef("W3-edit", "W3", "preview-edit", "W3 in an edit session: the same photo, the text changed every render",
           (Target("p50_s", "<=", 0.025, "p50 <= 25 ms"),)),
    RowDef("W4", "W4", "mug-png", "W1's design as a 300-DPI RGB PNG",
           (Target("p50_s", "<=", 0.250, "p50 <= 250 ms"),), baseline=True),
    RowDef(
        "W5-mixed", "W5", "batch-mixed",
        "mixed designs over every template (t-shirt RGBA PNG, others PDF) on N worker processes",
        (Target("parallel_efficiency", ">=", 0.85, "parallel efficiency >= 85 %"),),
    ),
    RowDef("W5-mug", "W5", "batch-mug", "W1 renders on N worker processes",
           (Target("throughput_per_s", ">=", 7.0, ">= 7 renders/s (2 cores)"),)),
    RowDef("W6", "W6", "api-preview", "previews through the HTTP API at a given concurrency"),
    RowDef("W7-fork", "W7", "farm-fork",
           "render farm: coaster + mug jobs through Redis on 2 `render-engine worker --burst` (a work horse per job)"),
    RowDef("W7-nofork", "W7", "farm-nofork",
           "W7-fork with `render-engine worker --no-fork` (renders in the worker process: warm caches)"),
    # issue 22: real-looking orders through the public API, ratios to the pyvips + img2pdf peer (--compare-peer)
    RowDef("R1", "R", "mug-clipart-pdf", "mug: 12-MP photo + 2-MP RGBA clip-art PNG + name, CMYK PDF",
           (Target("ratio_p50", "<=", 0.5, "p50 <= 0.5x the peer"),)),
    RowDef("R2", "R", "mug-clipart-png", "R1 as a 300-DPI PNG",
           (Target("ratio_p50", "<=", 0.6, "p50 <= 0.6x the peer"),)),
    RowDef("R3", "R", "mug-clipart-preview", "R1 as an 800 px preview",
           (Target("ratio_p50", "<=", 0.6, "p50 <= 0.6x the peer"),)),
    RowDef("R4", "R", "mug-svg-pdf", "mug: photo + SVG clip-art + name, PDF"),
    RowDef("R5", "R", "two-photos-pdf", "mug: two photos + name, PDF"),
    RowDef("R6", "R", "card-text-pdf", "5x7 card, text-heavy, PDF"),
    RowDef("R7", "R", "fabric-pdf", "Fabric.js canvas on the mug, PDF"),
    RowDef("C1", "C", "cold-cli", "R1's PDF, one `render-engine render` process per render",
           (Target("p50_s", "<=", 0.45, "p50 <= 450 ms"), Target("ratio_p50", "<=", 1.0, "p50 <= 1.0x the peer"))),
    RowDef("T1", "T", "throughput-2p", "R1's PDF on 2 processes (default libvips threads)",
           (Target("scaling", ">=", 1.8, "2p >= 1.8x 1p"),
            Target("ratio_throughput", ">=", 1.5, "2p >= 1.5x the peer's"))),
    RowDef("T1-vips1", "T", "throughput-2p", "R1's PDF on 2 processes, VIPS_CONCURRENCY=1",
           (Target("scaling", ">=", 1.8, "2p >= 1.8x 1p"),
            Target("ratio_throughput", ">=", 1.5, "2p >= 1.5x the peer's"))),
    RowDef("T1-worker", "T", "throughput-2p",
           "R1's PDF on 2 processes, render_threads=1 (a render-farm worker's default: 1 libvips and 1 pool thread)",
           (Target("scaling", ">=", 1.8, "2p >= 1.8x 1p"),
            Target("ratio_throughput", ">=", 1.5, "2p >= 1.5x the peer's"))),
    # issue 18: a photo book (cover.pdf + interior.pdf) through the public API; memory against the page count
    RowDef("W8", "W8", "photo-book-40p",
           "8x8 in hardcover photo book, 40 pages, 40 different 12-MP photos -> cover.pdf + interior.pdf",
           (Target("p50_s", "<=", 8.0, "p50 <= 8 s (2 cores)"),
            Target("peak_rss_mb", "<=", 400.0, "peak RSS <= 400 MB"))),
    RowDef("W8-20p", "W8", "photo-book-20p", "W8 with 20 pages (the memory comparison)"),
    RowDef("W8-100p", "W8", "photo-book-100p", "W8 with 100 pages: peak RSS must not grow with the page count",
           (Target("peak_rss_mb", "<=", 400.0, "peak RSS <= 400 MB"),)),
    # issue 17: storefront paint (gradients, a pattern, text on a path) vs the same design in flat colours
    RowDef("P1", "P", "mug-paint-pdf", "mug: photo + 3 gradients + pattern paint + gradient path text vs flat, PDF",
           (Target("ratio_p50", "<=", 1.3, "p50 <= 1.3x the flat design"),)),
    # issue 19: a corporate bulk order, one design template x 100 rows through the public API (merge_bench.py)
    RowDef("W9", "W9", "merge-corporate-pdf", "corporate-logo-name x 100 rows (names, one shared logo), mug PDF each",
           (Target("throughput_per_s", ">=", 3.5, ">= 3.5 pieces/s on one core (W5-mug's 7/s on 2 cores)"),)),
    # issue 18: a wall calendar, 13 pages with generated month grids (benchmarks/calendar_cost.py)
    RowDef("K1", "K", "calendar-grids", "wall calendar A4, 13 pages: cover title + 12 full-page month grids, PDF",
           (Target("p50_s", "<=", 3.0, "p50 <= 3 s"),)),
    RowDef("K2", "K", "calendar-photos", "wall calendar A4, 13 pages: a 12-MP photo on every page + 12 grids, PDF",
           (Target("p50_s", "<=", 3.0, "p50 <= 3 s"),)),
)  # fmt: skip
WORKLOAD_IDS = tuple(dict.fromkeys(r.workload for r in ROWS))

W3_HOOK = "the hook is benchmarks/renderers.py::_mockup"
SKIP_W6_NO_API = "not available yet: no HTTP API (issue 7)"
SKIP_W7_NO_API = "needs the API (api/) and httpx to post the jobs"
SKIP_W7_NO_REDIS = "needs Redis: none answers at {url} ({problem}); start one or set REDIS_URL"
SKIP_W6_NO_CLIENT = (
    "not available yet: the API exists (api/, issue 7) but render-bench has no HTTP load client for it yet "
    "(benchmarks/suite.py::_w6)"
)


@dataclass(frozen=True)
class Sizes:
    """Input sizes; ``--quick`` swaps in tiny ones (and low DPI) so a smoke test runs in seconds."""

    mug_photo: PhotoSpec
    poster_photo: PhotoSpec
    batch_photos: tuple[PhotoSpec, ...]
    mug_dpi: float | None  # None: the template's target DPI (300)
    poster_dpi: float | None
    batch_dpi: float | None
    preview_width: int
    farm_coasters: int  # W7 jobs per farm run: small coasters (PNG, 150 DPI) ...
    farm_mugs: int  # ... and 11oz mugs (PDF + PNG, with mug_photo at mug_dpi) spread among them
    book_photo: PhotoSpec  # W8: the size of the photo book's 40 photos


FULL = Sizes(
    mug_photo=PhotoSpec(4000, 3000, seed=1),  # 12 MP, a phone photo
    poster_photo=PhotoSpec(4000, 6000, seed=2),  # 24 MP in the poster's orientation: every pixel is used
    batch_photos=(PhotoSpec(4000, 3000, seed=3), PhotoSpec(2448, 3264, seed=4, kind="portrait"),
                  PhotoSpec(2048, 1536, seed=5)),
    mug_dpi=None,
    poster_dpi=None,
    batch_dpi=None,
    preview_width=800,
    farm_coasters=40,
    farm_mugs=4,
    book_photo=PhotoSpec(4000, 3000),  # 12 MP
)  # fmt: skip
QUICK = Sizes(
    mug_photo=PhotoSpec(400, 300, seed=1),
    poster_photo=PhotoSpec(400, 600, seed=2),
    batch_photos=(PhotoSpec(400, 300, seed=3), PhotoSpec(240, 320, seed=4, kind="portrait"),
                  PhotoSpec(200, 150, seed=5)),
    mug_dpi=50,
    poster_dpi=20,
    batch_dpi=30,
    preview_width=200,
    farm_coasters=4,
    farm_mugs=1,
    book_photo=PhotoSpec(400, 300),
)  # fmt: skip


@dataclass(frozen=True)
class Context:
    scratch: Path  # this run's designs, photo copies and outputs
    photos: PhotoCache
    sizes: Sizes
    templates: dict[str, Geometry]
    runs: int
    workers: int
    batch_size: int
    calibration_runs: int
    wait_idle_s: float = 0.0  # before each measured process: wait up to this long for idle CPUs
    compare_peer: bool = False  # R/C/T rows: also run the pyvips + img2pdf peer, interleaved

    def out_dir(self, key: str, impl: str) -> Path:
        return self.scratch / "out" / key / impl


Builder = Callable[[str, int], Json]  # (photo file name, index) -> design


def design_set(ctx: Context, name: str, count: int, photo: PhotoSpec, build: Builder) -> list[Path]:
    """``count`` designs in ``scratch/name``, each with its own copy of ``photo`` (distinct bytes)."""
    folder = ctx.scratch / name
    base = ctx.photos.photo(photo)
    paths = []
    for i in range(count):
        photo_name = f"photo-{i:03d}.jpg"
        tagged_copy(base, folder / photo_name, f"{name}/{i}")
        paths.append(write_design(folder / f"design-{i:03d}.json", build(photo_name, i)))
    return paths


def mug_designs(ctx: Context, name: str, count: int) -> list[Path]:
    g = ctx.templates["mug-11oz"]
    return design_set(ctx, name, count, ctx.sizes.mug_photo, lambda photo, i: photo_text_design(g, photo, "Emma"))


def edit_session_designs(ctx: Context, name: str, count: int) -> list[Path]:
    """W1's design with one photo and a different name each time: a customer typing in the editor. Every
    name is new (numbered after the first ``len(NAMES)``), so no render finds its text already drawn."""
    g = ctx.templates["mug-11oz"]
    folder = ctx.scratch / name
    photo = tagged_copy(ctx.photos.photo(ctx.sizes.mug_photo), folder / "photo.jpg", name).name
    n = len(NAMES)
    texts = [NAMES[i % n] if i < n else f"{NAMES[i % n]} {i // n + 1}" for i in range(count)]
    return [
        write_design(folder / f"design-{i:03d}.json", photo_text_design(g, photo, text)) for i, text in enumerate(texts)
    ]


def poster_designs(ctx: Context, name: str, count: int) -> list[Path]:
    g = ctx.templates["poster-24x36"]
    title = "Lake Tekapo, New Zealand"
    return design_set(ctx, name, count, ctx.sizes.poster_photo, lambda photo, i: photo_text_design(g, photo, title))


def case(
    name: str,
    designs: list[Path],
    out_dir: Path,
    *,
    fmt: Literal["png", "pdf"] | None = None,
    dpi: float | None = None,
    width: int | None = None,
) -> Case:
    """The first design is the untimed warm-up, the others are timed."""
    jobs = [Job(d, out_dir, fmt=fmt, dpi=dpi, width=width) for d in designs]
    return Case(name, jobs[0], tuple(jobs[1:]))


# ----------------------------------------------------------------------------------------- the W5 batch


@dataclass(frozen=True)
class Kind:
    """A batch design's shape: single-render medians are measured per kind (the parallel-efficiency basis)."""

    template: str
    variant: str
    photo: int  # index into Sizes.batch_photos

    @property
    def name(self) -> str:
        return f"{self.template}/{self.variant}/photo{self.photo}"


def batch_kinds(ctx: Context, count: int) -> list[Kind]:
    """Design ``i`` of the mixed batch: templates round-robin, then variants, photos cycling: every
    template x variant pair appears once in any 24 consecutive designs."""
    ids = sorted(ctx.templates)
    n_photos = len(ctx.sizes.batch_photos)
    return [Kind(ids[i % len(ids)], VARIANTS[(i // len(ids)) % len(VARIANTS)], i % n_photos) for i in range(count)]


def kind_designs(ctx: Context, kind: Kind, name: str, count: int, first_name: int = 0) -> list[Path]:
    g = ctx.templates[kind.template]
    spec = ctx.sizes.batch_photos[kind.photo]

    def build(photo: str, i: int) -> Json:
        return batch_design(g, kind.variant, photo, NAMES[(first_name + i) % len(NAMES)])

    return design_set(ctx, name, count, spec, build)


def mixed_batch_jobs(ctx: Context) -> tuple[list[Job], list[Kind]]:
    kinds = batch_kinds(ctx, ctx.batch_size)
    out = ctx.out_dir("W5-mixed", "ours")
    jobs: list[Job] = []
    for i, kind in enumerate(kinds):
        path = kind_designs(ctx, kind, f"w5-mixed/{i:03d}", 1, first_name=i)[0]
        jobs.append(Job(path, out / f"{i:03d}", dpi=ctx.sizes.batch_dpi))
    return jobs, kinds


def calibration_cases(ctx: Context, kinds: list[Kind]) -> list[Case]:
    """One serial case per distinct kind (and one for the mug): warm-up + ``calibration_runs`` renders."""
    out = ctx.out_dir("W5-calibration", "ours")
    n = 1 + ctx.calibration_runs
    cases = [
        case(k.name, kind_designs(ctx, k, f"w5-calibration/{i:02d}", n), out / f"{i:02d}", dpi=ctx.sizes.batch_dpi)
        for i, k in enumerate(dict.fromkeys(kinds))
    ]
    mug = mug_designs(ctx, "w5-calibration/mug", n)
    cases.append(case("mug", mug, out / "mug", fmt="pdf", dpi=ctx.sizes.mug_dpi))
    return cases


def mug_batch_jobs(ctx: Context) -> list[Job]:
    out = ctx.out_dir("W5-mug", "ours")
    return [Job(d, out, fmt="pdf", dpi=ctx.sizes.mug_dpi) for d in mug_designs(ctx, "w5-mug", ctx.batch_size)]
