#!/usr/bin/env bash
# Every issue-17 benchmark, one after another, as run for bench/README.md ("Issue 17 at a
# glance"). Run it on a quiet machine from the repository's root after the README's install;
# it builds its stores in $OUT (default /tmp/issue17) and PostgreSQL databases on $PG
# (default postgresql+psycopg://postgres@127.0.0.1:5432; the databases must not exist yet).
# Logs go to $OUT/*.log, and $OUT/progress.log says when each step started and the load.
set -u
P=.venv/bin/python
PG=${PG:-postgresql+psycopg://postgres@127.0.0.1:5432}
OUT=${OUT:-/tmp/issue17}
mkdir -p "$OUT"
step() { echo "$(date -u +%H:%M:%S) load=$(cut -d' ' -f1-3 /proc/loadavg) start $1" >> "$OUT/progress.log"; }
createdb_pg() { $P -c "import sys, psycopg; c = psycopg.connect(sys.argv[1], autocommit=True); c.execute('CREATE DATABASE ' + sys.argv[2])" "${PG/+psycopg/}/postgres" "$1"; }
step startup; $P bench/startup_bench.py --runs 15 > "$OUT/startup.log" 2>&1
step tui;     $P bench/tui_bench.py --runs 7 > "$OUT/tui.log" 2>&1
step gen1m;   $P bench/generate.py --db "$OUT/1m.db" --bookings 1000000 > "$OUT/gen1m.log" 2>&1
step dayread; $P bench/day_read_bench.py --db "$OUT/1m.db" --repeat 30 > "$OUT/dayread.log" 2>&1
step alloc;   $P bench/allocation_check.py --repeat 200 > "$OUT/alloc.log" 2>&1
cp "$OUT/1m.db" "$OUT/book.db"
step book_full;   $P bench/book_bench.py --db "$OUT/book.db" --n 200 --rounds 3 --seed 1 --synchronous FULL > "$OUT/book_full.log" 2>&1
step book_normal; $P bench/book_bench.py --db "$OUT/book.db" --n 200 --rounds 3 --seed 2 --synchronous NORMAL > "$OUT/book_normal.log" 2>&1
step gensmall; $P bench/generate.py --db "$OUT/small.db" --bookings 100000 --sites 10 > "$OUT/gensmall.log" 2>&1
createdb_pg bench_i17_book
step book_pg;    $P bench/book_bench.py --db "$OUT/small.db" --pg "$PG/bench_i17_book" --n 200 --rounds 3 --seed 3 > "$OUT/book_pg.log" 2>&1
step book_pg_dt; $P bench/book_bench.py --db "$OUT/small.db" --pg "$PG/bench_i17_book" --n 200 --rounds 3 --seed 4 --datetimes > "$OUT/book_pg_dt.log" 2>&1
createdb_pg bench_i17_rp50
step rp_pg;     $P bench/report_bench.py --sites 50 --runs 3 --db "$PG/bench_i17_rp50" > "$OUT/rp_pg.log" 2>&1
step rp_sqlite; $P bench/report_bench.py --sites 50 --runs 3 --db "sqlite:///$OUT/rp50.db" > "$OUT/rp_sqlite.log" 2>&1
step nat1m;  $P bench/national.py load --db "$PG/bench_i17_national_1m" --bookings 1000000 --sites 60 > "$OUT/nat1m.log" 2>&1
step nat10m; $P bench/national.py load --db "$PG/bench_i17_national" --bookings 10000000 --sites 600 > "$OUT/nat10m.log" 2>&1
step natmeasure; $P bench/national.py measure --db "$PG/bench_i17_national_1m" --db "$PG/bench_i17_national" --n 6 --reports 3 --seed 17 > "$OUT/natmeasure.log" 2>&1
step done
