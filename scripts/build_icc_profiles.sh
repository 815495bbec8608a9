#!/usr/bin/env bash
# Rebuild the bundled ICC profiles in icc_profiles/ (committed; they are NOT built at install time).
#
#   icc_profiles/FOGRA39L-coated-300.icc  FOGRA39-class CMYK output profile, 300 % total ink, 95 % black,
#                                         made with ArgyllCMS colprof from FOGRA39L.ti3 (Debian
#                                         icc-profiles-free, zlib license).
#   icc_profiles/sRGB-lcms.icc            sRGB profile made by littleCMS (cmsCreate_sRGBProfile, through
#                                         Pillow's ImageCms), description tag renamed.
#
# Usage:
#   scripts/build_icc_profiles.sh            rebuild both files into icc_profiles/
#   scripts/build_icc_profiles.sh --check    rebuild into a temporary folder and compare byte for byte with
#                                            the committed files (exit 1 on a difference)
#   scripts/build_icc_profiles.sh --out DIR  rebuild into DIR
#
# Needs: ArgyllCMS (colprof) and icc-profiles-free (FOGRA39L.ti3) - installed with apt-get when missing -
# and a Python with Pillow (PYTHON=..., default python3). colprof takes about 2 minutes on 2 cores.
#
# Determinism: the output is the same bytes on every run. Both tools stamp the build time into the profile
# header (bytes 24..35, ICC dateTimeNumber); this script overwrites it with the fixed PROFILE_DATE below.
# The v4 sRGB profile then gets its profile ID (MD5, header bytes 84..99) computed as the ICC spec says
# (flags, rendering intent and ID fields zeroed while hashing). The v2 Argyll profile has no profile ID
# (those bytes are reserved and stay zero). Different versions of ArgyllCMS or littleCMS may produce
# different bytes: the versions used for the committed files are listed in icc_profiles/README.md.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$REPO/icc_profiles"
CHECK=0
PYTHON="${PYTHON:-python3}"

# Fixed header date (UTC) written into both profiles instead of the build time.
PROFILE_DATE="2026-11-24T00:00:00"

# colprof settings (see README.md): 300 % total ink limit, 95 % black ink limit, medium quality,
# sRGB as the source gamut for the perceptual/saturation tables, colprof's default black generation
# (-k r, ramp K).
CMYK_FILE="FOGRA39L-coated-300.icc"
CMYK_DESC="FOGRA39L coated (render-engine build, 300% TAC)"
CMYK_COPYRIGHT="Generated from FOGRA39L.ti3 (icc-profiles-free, zlib license, Kai-Uwe Behrmann; measurement data by Fogra) with ArgyllCMS colprof. Freely redistributable."
SRGB_FILE="sRGB-lcms.icc"
SRGB_DESC="sRGB IEC61966-2.1 (littleCMS built-in)"

while [ $# -gt 0 ]; do
    case "$1" in
        --check) CHECK=1 ;;
        --out) OUT="$2"; shift ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

find_ti3() {
    local f
    for f in /usr/share/color/icc/FOGRA39L.ti3 /usr/share/color/icc/colord/FOGRA39L.ti3; do
        [ -f "$f" ] && { echo "$f"; return 0; }
    done
    if command -v dpkg >/dev/null 2>&1; then
        dpkg -L icc-profiles-free 2>/dev/null | grep -m1 '/FOGRA39L\.ti3$' && return 0
    fi
    return 1
}

SRGB_ICM=/usr/share/color/argyll/ref/sRGB.icm
if ! command -v colprof >/dev/null 2>&1 || [ ! -f "$SRGB_ICM" ] || ! find_ti3 >/dev/null; then
    echo "installing argyll and icc-profiles-free with apt-get" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y argyll icc-profiles-free
fi
TI3="$(find_ti3)"
"$PYTHON" -c 'import PIL.ImageCms' || { echo "$PYTHON has no Pillow (pip install Pillow)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
BUILD="$OUT"
[ "$CHECK" = 1 ] && BUILD="$WORK/out"
mkdir -p "$BUILD"

# --- CMYK: ArgyllCMS colprof from the FOGRA39L characterization data -----------------------------------
# -qm medium quality, -nc no embedded .ti3 ('targ' tag; keeps the file small and free of timestamps),
# -l 300 total ink limit, -L 95 black ink limit, -S sRGB.icm source gamut for the perceptual and
# saturation B2A tables, -cmt -dpp: source viewing conditions monitor, destination practical print.
# -D description tag, -C copyright tag. Argyll's sRGB.icm is only read as the source gamut; it is not
# copied into the output.
cp "$TI3" "$WORK/FOGRA39L.ti3"
echo "colprof: building $CMYK_FILE from $TI3 (about 2 minutes)" >&2
(cd "$WORK" && colprof -v -qm -nc -l 300 -L 95 -D "$CMYK_DESC" -C "$CMYK_COPYRIGHT" \
    -S "$SRGB_ICM" -cmt -dpp FOGRA39L) > "$WORK/colprof.log" 2>&1 \
    || { cat "$WORK/colprof.log" >&2; exit 1; }
grep -E 'Profile check complete' "$WORK/colprof.log" >&2 || true

# --- sRGB from littleCMS, then fix dates / description / profile ID -------------------------------------
"$PYTHON" - "$WORK/FOGRA39L.icc" "$BUILD/$CMYK_FILE" "$BUILD/$SRGB_FILE" "$PROFILE_DATE" "$SRGB_DESC" <<'PY'
import datetime
import hashlib
import struct
import sys

from PIL import ImageCms

argyll_in, cmyk_out, srgb_out, date_s, srgb_desc = sys.argv[1:6]
when = datetime.datetime.fromisoformat(date_s)
DATE = struct.pack(">6H", when.year, when.month, when.day, when.hour, when.minute, when.second)


def tags(b: bytes) -> list[tuple[bytes, int, int]]:
    n = struct.unpack_from(">I", b, 128)[0]
    return [struct.unpack_from(">4sII", b, 132 + 12 * i) for i in range(n)]


def mluc(text: str) -> bytes:
    s = text.encode("utf-16-be")
    return b"mluc" + bytes(4) + struct.pack(">II", 1, 12) + b"enUS" + struct.pack(">II", len(s), 28) + s


def replace_tag(b: bytes, sig: bytes, data: bytes) -> bytes:
    """Rebuild the tag data area with tag ``sig`` replaced (shared tag data stays shared)."""
    table = tags(b)
    blocks: dict[tuple[int, int], bytes] = {}
    for s, off, size in table:
        blocks.setdefault((off, size), data if s == sig else b[off : off + size])
    pos = 128 + 4 + 12 * len(table)
    body = b""
    placed: dict[tuple[int, int], tuple[int, int]] = {}
    for key in sorted(blocks):
        placed[key] = (pos, len(blocks[key]))
        chunk = blocks[key] + bytes(-len(blocks[key]) % 4)
        body += chunk
        pos += len(chunk)
    out = bytearray(b[:128] + struct.pack(">I", len(table)))
    for s, off, size in table:
        out += s + struct.pack(">II", *placed[(off, size)])
    out += body
    struct.pack_into(">I", out, 0, len(out))
    return bytes(out)


def set_date(b: bytes) -> bytes:
    return b[:24] + DATE + b[36:]


def with_profile_id(b: bytes) -> bytes:
    """ICC v4 profile ID: MD5 of the profile with flags (44), rendering intent (64) and ID (84) zeroed."""
    z = bytearray(b)
    z[44:48] = bytes(4)
    z[64:68] = bytes(4)
    z[84:100] = bytes(16)
    return b[:84] + hashlib.md5(bytes(z)).digest() + b[100:]


# CMYK (ICC v2.2 from Argyll): only the date changes; v2 has no profile ID, bytes 84..99 stay zero.
cmyk = open(argyll_in, "rb").read()
assert cmyk[8] == 2 and cmyk[84:100] == bytes(16), "expected an ICC v2 profile without ID from colprof"
cmyk = set_date(cmyk)
open(cmyk_out, "wb").write(cmyk)

# sRGB (ICC v4.x from littleCMS cmsCreate_sRGBProfile): new description, fixed date, profile ID.
srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
assert srgb[8] == 4, "expected an ICC v4 profile from littleCMS"
srgb = replace_tag(srgb, b"desc", mluc(srgb_desc))
srgb = with_profile_id(set_date(srgb))
open(srgb_out, "wb").write(srgb)

# Both files must load in littleCMS and say what we wrote.
import io

for path, desc in ((cmyk_out, None), (srgb_out, srgb_desc)):
    p = ImageCms.ImageCmsProfile(io.BytesIO(open(path, "rb").read())).profile
    if desc is not None and p.profile_description != desc:
        sys.exit(f"{path}: description is {p.profile_description!r}")
PY

for f in "$CMYK_FILE" "$SRGB_FILE"; do
    ( cd "$BUILD" && sha256sum "$f" )
done

if [ "$CHECK" = 1 ]; then
    status=0
    for f in "$CMYK_FILE" "$SRGB_FILE"; do
        if cmp -s "$BUILD/$f" "$OUT/$f"; then
            echo "OK      $f matches the committed file"
        else
            echo "DIFFERS $f (rebuilt file is not byte-identical to $OUT/$f)"
            status=1
        fi
    done
    exit $status
fi
echo "wrote $BUILD/$CMYK_FILE and $BUILD/$SRGB_FILE"
