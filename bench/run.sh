#!/bin/sh
echo "bench/run.sh: not written yet"
