#!/usr/bin/env bash
# Crashes lose nothing and store nothing twice: 20 agents deliver 1,000 reports each while
# the collector is SIGKILLed and restarted three times and every agent's sender is
# SIGKILLed and restarted once, all at random moments during delivery. In the end every
# outbox is empty and the store holds exactly 20,000 revisions, seqs 1..1000 of each agent
# once each, in order. Meanwhile the collector's metrics are scraped about every 0.2 s
# across its restarts: every scrape must add up (received = committed + duplicate +
# rejected + retry_later), counters never go down within one collector run, and at the
# end the metrics show the 20,000 revisions and every agent's outbox empty.
source "$(dirname "$0")/lib.sh"

seed=${TIENDO_FAULT_SEED:-$$}
RANDOM=$seed
echo "random seed $seed (set TIENDO_FAULT_SEED to repeat)"
agents=20
per_agent=1000
total=$((agents * per_agent))
# Reports in flight per agent: 20 x 32 = 640 may be lost with each collector crash, and
# while the senders are frozen to measure progress (below) the collector can only store
# that many more, which keeps the measured kill points close to the chosen ones.
window=32

td_start_collector
mapfile -t units < <(td_provinces | head -n $agents)
td_assert_eq "${#units[@]}" $agents "units for the agents"

for i in $(seq 1 $agents); do
  td_gen_reports "${units[i - 1]}" $per_agent "$T/reports/a$i" 2017-M01 "$i"
  n=$(find "$T/reports/a$i" -name '*.json' | wc -l)
  td_assert_eq "$n" $per_agent "report files generated for a$i"
done

# Each agent submits its reports in one call; then all senders start.
for i in $(seq 1 $agents); do
  td_agent "a$i" submit "$T"/reports/a"$i"/*.json >"$T/submit$i.out" ||
    td_fail "submit for a$i failed: $(cat "$T/submit$i.out")"
  td_assert_eq "$(td_queued "a$i")" $per_agent "queued by a$i"
done
# Scrape the collector's metrics about every 0.2 s until the end, whichever collector runs
# (the endpoint file names the current one's URL; a scrape cut by a SIGKILL is dropped).
mkdir -p "$T/scrapes"
(
  n=0
  while [ ! -e "$T/scrapes.stop" ]; do
    url=$(sed -n 's/^metrics=//p' "$T/endpoints" 2>/dev/null) || true
    if [ -n "$url" ] && curl -s --max-time 2 -o "$T/scrapes/partial" "$url" 2>/dev/null; then
      n=$((n + 1))
      mv "$T/scrapes/partial" "$T/scrapes/$n.txt"
    fi
    sleep 0.1
  done
) &
scraper_pid=$!
TD_PIDS+=("$scraper_pid")

# Each agent's sender runs under a small supervisor subshell: when the test SIGKILLs the
# first run, the subshell becomes the final run (--exit-when-empty) at once, so killing
# costs the polling loop nothing. sup_pid[i] ends up being the final run's pid. The first
# runs start frozen.
declare -a sup_pid first_pid killed kill_at
for i in $(seq 1 $agents); do
  (
    (td_agent_exec "a$i" run --window $window >>"$T/a$i.log" 2>&1) &
    kill -STOP $! # held until the loop below lets every sender go at once
    echo $! >"$T/first.a$i.pid"
    wait $! || true
    td_agent_exec "a$i" run --window $window --exit-when-empty >>"$T/a$i.log" 2>&1
  ) 2>>"$T/a$i.log" &
  sup_pid[i]=$!
  TD_PIDS+=("$!")
  killed[i]=0
  kill_at[i]=$((total * (5 + RANDOM % 81) / 100)) # 5%..85% of the deliveries
done
for i in $(seq 1 $agents); do
  td_wait_until 10 test -s "$T/first.a$i.pid" || td_fail "first run of a$i did not start"
  first_pid[i]=$(cat "$T/first.a$i.pid")
  TD_PIDS+=("${first_pid[i]}")
done

# Collector kills at random points of 10-25 %, 35-50 % and 60-75 % of the deliveries.
collector_kill_at=()
for k in 1 2 3; do
  collector_kill_at+=($((total * (k * 25 - 15 + RANDOM % 16) / 100)))
done

stored_now() { # revisions in the store right now (check reads it beside the collector)
  local r
  r=$("$TIENDO_COLLECTOR_BIN" check --state-dir "$T/collector" 2>/dev/null | jq -r '.revisions // empty') || true
  echo "${r:-0}"
}

stored_settled() { # with the senders frozen: revisions once the collector has stored
  # what was already on its way (two equal readings in a row)
  local r r2 n
  r=$(stored_now)
  for n in 1 2 3 4 5 6 7 8 9 10; do
    sleep 0.05
    r2=$(stored_now)
    [ "$r2" != "$r" ] || break
    r=$r2
  done
  echo "$r"
}

senders() { # signal: send it to every agent's current sender (first run or final run)
  local i
  for i in $(seq 1 $agents); do
    if [ "${killed[i]}" = 0 ]; then
      kill -"$1" "${first_pid[i]}" 2>/dev/null || true
    else
      kill -"$1" "${sup_pid[i]}" 2>/dev/null || true
    fi
  done
}

# Progress is measured with the senders frozen (SIGSTOP), so that a slow measurement on
# 2 busy cores cannot let delivery run far past the chosen points; then the senders go
# on for another 0.1-0.3 s. The collector is killed while they are frozen.
collector_kills=0
agent_kills=0
deadline=$((SECONDS + 180))
while [ $collector_kills -lt 3 ] || [ $agent_kills -lt $agents ]; do
  senders STOP
  r=$(stored_settled)
  [ $SECONDS -lt $deadline ] ||
    td_fail "delivery stalled: $r of $total stored, $collector_kills collector kills, $agent_kills agent kills after 180 s"
  if [ $collector_kills -lt 3 ] && [ "$r" -ge "${collector_kill_at[collector_kills]}" ]; then
    [ "$r" -lt $total ] || td_fail "delivery finished before collector kill $((collector_kills + 1))"
    td_kill_collector KILL
    td_assert_eq "$COLLECTOR_STATUS" 137 "collector status after SIGKILL"
    collector_kills=$((collector_kills + 1))
    echo "collector SIGKILLed at $r of $total stored"
    senders CONT
    sleep "0.$((RANDOM % 5))"
    td_start_collector
  fi
  for i in $(seq 1 $agents); do
    if [ "${killed[i]}" = 0 ] && [ "$r" -ge "${kill_at[i]}" ]; then
      kill -KILL "${first_pid[i]}" || td_fail "first run of a$i exited by itself"
      killed[i]=1
      agent_kills=$((agent_kills + 1))
    fi
  done
  senders CONT
  sleep "0.$((1 + RANDOM % 3))"
done
echo "all kills done at $(stored_now) of $total stored"

# Every sender exits by itself once its outbox is empty.
for i in $(seq 1 $agents); do
  left=$((deadline + 60 - SECONDS))
  [ $left -gt 0 ] || left=1
  td_wait_pid "${sup_pid[i]}" $left ||
    td_fail "agent a$i did not empty its outbox (queued $(td_queued "a$i")); log: $(tail -n 5 "$T/a$i.log")"
done
for i in $(seq 1 $agents); do
  td_assert_eq "$(td_status_field "a$i" '[.queued, .dead_letters] | @csv')" "0,0" \
    "a$i queued, dead letters after delivery"
done

# The last collector's metrics once everything is delivered: the store's 20,000
# revisions, and every agent's outbox empty (from its last heartbeat).
scrape_value() { # sample: its value in $T/final.txt
  awk -v m="$1" '{ v = $NF; if (substr($0, 1, length($0) - length(v) - 1) == m) print v }' "$T/final.txt"
}
final_ok() {
  curl -sf --max-time 5 -o "$T/final.txt" "$METRICS_URL" || return 1
  [ "$(scrape_value tiendo_collector_revisions)" = $total ] &&
    [ "$(grep -c '^tiendo_collector_agent_outbox_depth{.*} 0$' "$T/final.txt")" = $agents ]
}
td_wait_until 10 final_ok ||
  td_fail "final metrics: revisions $(scrape_value tiendo_collector_revisions), outbox depths: $(grep '^tiendo_collector_agent_outbox_depth{' "$T/final.txt" | awk '{print $NF}' | sort | uniq -c | tr '\n' ' ')"
td_assert_eq "$(scrape_value tiendo_collector_agents_known)" $agents "agents known to the metrics"
touch "$T/scrapes.stop"
wait "$scraper_pid" || true

# Every scrape adds up, from one consistent snapshot, across the collector's restarts.
scrapes=0
max_committed=0
prev_start="" prev=""
for f in $(ls "$T/scrapes" | grep -E '^[0-9]+\.txt$' | sort -n); do
  read -r start received committed duplicate rejected retry < <(awk '
    $1 == "tiendo_collector_start_time_seconds" { start = $2 }
    $1 == "tiendo_collector_reports_received_total" { rec = $2 }
    $1 == "tiendo_collector_reports_committed_total" { com = $2 }
    $1 == "tiendo_collector_reports_duplicate_total" { dup = $2 }
    $1 ~ /^tiendo_collector_reports_rejected_total[{]/ { rej += $2; nrej++ }
    $1 == "tiendo_collector_reports_retry_later_total" { rl = $2 }
    END { if (start == "" || rec == "" || com == "" || dup == "" || nrej != 5 || rl == "")
            print "incomplete"
          else print start, rec, com, dup, rej, rl }' "$T/scrapes/$f")
  [ "$start" != incomplete ] || td_fail "scrape $f lacks a counter: $(head -c 300 "$T/scrapes/$f")"
  [ "$received" -eq $((committed + duplicate + rejected + retry)) ] ||
    td_fail "scrape $f: received $received != committed $committed + duplicate $duplicate + rejected $rejected + retry_later $retry"
  if [ "$start" = "$prev_start" ]; then
    read -r p_received p_committed <<<"$prev"
    [ "$received" -ge "$p_received" ] && [ "$committed" -ge "$p_committed" ] ||
      td_fail "scrape $f: counters went down within one collector run ($prev -> $received $committed)"
  fi
  prev_start=$start
  prev="$received $committed"
  [ "$committed" -le "$max_committed" ] || max_committed=$committed
  scrapes=$((scrapes + 1))
done
lifetimes=$(cat "$T"/scrapes/*.txt | grep '^tiendo_collector_start_time_seconds ' | sort -u | wc -l)
echo "metrics: $scrapes scrapes across $lifetimes collector runs added up; most committed in one run: $max_committed"
[ "$scrapes" -ge 10 ] || td_fail "only $scrapes metric scrapes succeeded"
[ "$max_committed" -gt 0 ] || td_fail "no scrape saw a committed report"

td_assert_eq "$(td_log_count "$T/collector.log" "collector .* ready")" 4 "collector starts"
td_kill_collector TERM
td_assert_eq "$COLLECTOR_STATUS" 0 "collector exit status after SIGTERM"

td_check
td_assert_eq "$(jq -r '[.revisions, .undecodable, .duplicate_origins, .order_violations,
  (.origins | length)] | @csv' "$T/check.json")" "$total,0,0,0,$agents" \
  "revisions, undecodable, duplicate origins, order violations, origins in the store"
for i in $(seq 1 $agents); do
  td_assert_origin "a$i" $per_agent
  td_assert_eq "$(td_origin "a$i" | jq .high_water)" $per_agent "high water of a$i"
done
echo "crash: $total reports stored exactly once through 3 collector and $agents agent kills"
