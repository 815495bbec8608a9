#!/usr/bin/env bash
# A normal (non-editable) install must render: build the wheel, install it into a fresh venv outside the
# checkout, and render an example and a mockup with it. The bundled templates, fonts, ICC profiles and mockup
# scenes must come from the wheel's package data (render_engine/data/, setup.py), not from this checkout.
# scripts/check.sh runs this; it takes ~30 s (most of it pip building the wheel in an isolated environment).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp" "$repo/build"' EXIT
rm -rf build  # setuptools' scratch folder: a stale copy of a removed module would end up in the wheel

python3 -m pip wheel -q --disable-pip-version-check --no-deps -w "$tmp/dist" .
# the runtime dependencies are already installed here: reuse them (the current environment's site-packages as
# plain path entries after the new venv's own, which works from a venv too, where --system-site-packages would
# reach only the base interpreter's), install only the wheel, and run from outside the checkout so neither ./
# nor the editable install can stand in for it
unset PYTHONPATH  # a checkout on the path would stand in for the wheel
python3 -m venv --without-pip "$tmp/venv"
inner="$("$tmp/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
python3 -c 'import site; print("\n".join(site.getsitepackages()))' > "$inner/_outer_site_packages.pth"
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps --ignore-installed "$tmp"/dist/*.whl
cd "$tmp"
where="$("$tmp/venv/bin/python" -c 'import render_engine; print(render_engine.__file__)')"
case "$where" in
  "$tmp/venv/"*) ;;
  *) echo "check_wheel: render_engine was imported from $where, not from the installed wheel" >&2; exit 1 ;;
esac
# pip byte-compiles what it installs (even under PYTHONDONTWRITEBYTECODE=1): a fresh `render-engine render` must
# not compile the render path from source (~150 ms a process, issue 22)
pkg="$(dirname "$where")"
for mod in engine pipeline model/design backends/pdf backends/pdf_images; do
  compgen -G "$pkg/$(dirname "$mod")/__pycache__/$(basename "$mod").cpython-*.pyc" >/dev/null \
    || { echo "check_wheel: no bytecode installed for render_engine/$mod.py" >&2; exit 1; }
done
"$tmp/venv/bin/render-engine" templates >/dev/null
"$tmp/venv/bin/render-engine" render "$repo/examples/mug-11oz-photo-name.json" --out "$tmp/out" --dpi 60 --quiet
"$tmp/venv/bin/render-engine" mockup "$repo/examples/mug-11oz-photo-name.json" --out "$tmp/out/mug.jpg" --width 300
test -s "$tmp/out/mug-11oz-photo-name.pdf"
test -s "$tmp/out/mug.jpg"
echo "check_wheel: the wheel installed in a fresh venv renders ($where)"
