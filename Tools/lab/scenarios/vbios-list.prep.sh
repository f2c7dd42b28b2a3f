#!/bin/sh
# RESULTS/host/custom.rom (romfile of 04.0) and chain.rom (what sysfs should return).
exec python3 "$LAB_DIR/lib/mkrom.py" "$1/host"
