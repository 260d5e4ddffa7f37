#!/usr/bin/env python3
"""make chaos: a bounded chaos check of the real hub, workers, Redis, PostgreSQL and sandbox tools.

A job of --tasks step tasks (one file per task, slowed sandbox tools so that kills land mid-task) runs on
--workers workers of one sandbox site while a random worker is SIGKILLed (with its tool processes, as a
node dying) and restarted every --interval seconds. It stops when the job finishes or after --limit
seconds, then prints, from PostgreSQL and the sandbox: tasks lost, results committed twice, the longest
time from a kill to the re-delivery of the tasks the killed worker was running, kills and wall time.
Exit status 1 when anything was lost or doubled. Details: docs/chaos.md.
"""
import argparse, json, os, random, shutil, signal, statistics, subprocess, sys, tempfile, time, urllib.request, uuid

FINAL = ("SUCCESS", "ERROR", "FAILURE", "SKIPPED", "CANCELLED")


from hubapi import request


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Stop(Exception):
    """Raised by the signal handlers so that the finally blocks clean up."""


class Worker:
    def __init__(self, chaos, index):
        self.chaos = chaos
        self.node = f"chaos-node{index}"
        self.config = f"{chaos.work}/{self.node}.conf"
        self.log = f"{chaos.work}/{self.node}.log"
        self.process = None
        tools = {t: f"{chaos.work}/bin/{t}" for t in ("ngmigrate", "ngrecall", "ngunmanage", "mmlsfs", "mmlsfileset",
                                                       "mmlspool", "mmdf", "mmlscluster")}
        with open(self.config, "w") as conf:
            conf.write(f"[settings]\nsite = chaos\napi_host = 127.0.0.1\nbroker_url = {chaos.redis_url}\n"
                       f"node_name = {self.node}\nthreads = {chaos.args.threads}\nheartbeat_interval = 1\n"
                       f"task_lease = {chaos.args.lease}\nloglevel = warning\ncommands = {json.dumps(tools)}\n")

    def start(self):
        env = dict(self.chaos.env, NGSIM_SITE=self.chaos.site)
        if self.chaos.args.slow_ms > 0:
            env["NGSIM_SLOW"] = f"*:{self.chaos.args.slow_ms}"
        # A session of its own: a kill takes the worker and the tools it runs, as a node that dies.
        with open(self.log, "a") as out:
            self.process = subprocess.Popen([f"{self.chaos.bin}/ngenea-worker", "run", "--config", self.config], env=env,
                                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self):
        """SIGKILL of the worker, then of every process of its session: the tools it runs are in process
        groups of their own, and a node that dies takes them with it."""
        if self.process is None:
            return
        sid = self.process.pid
        self.process.kill()
        self.process.wait()
        for pid in session_members(sid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process = None


def session_members(sid):
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[3]) == sid:  # state, ppid, pgrp, session
                members.append(int(entry))
    return members


class Chaos:
    def __init__(self, args):
        self.args = args
        self.bin = args.bin
        self.work = tempfile.mkdtemp(prefix="ngenea-chaos-")
        self.hub = None
        self.workers = []
        self.port = 19000 + os.getpid() % 1000
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.db = "ngenea_chaos_" + uuid.uuid4().hex[:8]
        self.admin_db = os.environ["NGENEA_TEST_DATABASE_URL"]
        self.db_url = f"{self.admin_db.rsplit('/', 1)[0]}/{self.db}"
        # Database 60 of the private Redis: the test suites use 0-15 and bench 14.
        self.redis_url = os.environ["NGENEA_REDIS_URL"].rsplit("/", 1)[0] + "/60"
        self.created_db = False
        self.kills = []          # {"time", "node", "tasks": {task_id: attempt}}
        self.redelivered = {}    # (kill index, task_id) -> seconds from the kill to the next start
        self.resolved = set()    # (kill index, task_id) finished by the attempt that was running at the kill
        self.job = None

    # -- helpers --------------------------------------------------------------------------------------

    def run(self, *argv, env=None, stdin=None):
        result = subprocess.run(argv, env=env, input=stdin, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"{argv[0]} failed: {result.stdout}{result.stderr}")
        return result.stdout

    def sql(self, query):
        """Rows of a query (psql, tab-separated), as lists of strings."""
        out = self.run("psql", "-X", "-q", "-tA", "-F", "\t", "-v", "ON_ERROR_STOP=1", self.db_url, "-c", query)
        return [line.split("\t") for line in out.splitlines() if line]

    # -- set-up ---------------------------------------------------------------------------------------

    def start(self):
        subprocess.run(["psql", "-X", "-q", self.admin_db, "-c", f'CREATE DATABASE "{self.db}"'], check=True)
        self.created_db = True
        subprocess.run(["redis-cli", "-u", self.redis_url, "FLUSHDB"], check=True, capture_output=True)
        self.env = dict(os.environ, NGENEA_DATABASE_URL=self.db_url, NGENEA_REDIS_URL=self.redis_url,
                        NGENEAHUB_PORT=str(self.port), NGENEAHUB_HOST="127.0.0.1", NGENEAHUB_CONFIG="/dev/null",
                        NGENEAHUB_PASSWORD_ITERATIONS="1000", NGENEAHUB_LOG_LEVEL="warning")
        self.env.pop("NGSIM_SLOW", None)
        self.run(f"{self.bin}/ngeneahub", "createsuperuser", "--username", "chaos", env=self.env, stdin="Chaos-Pa55word!\n")
        self.hub = subprocess.Popen([f"{self.bin}/ngeneahub", "serve"], env=self.env,
                                    stdout=open(f"{self.work}/hub.log", "w"), stderr=subprocess.STDOUT,
                                    start_new_session=True)
        for _ in range(600):
            try:
                status, body = request("POST", self.api + "/auth/token/", {"username": "chaos", "password": "Chaos-Pa55word!"})
                if status == 200:
                    self.token = body["access"]
                    break
            except OSError:
                pass
            if self.hub.poll() is not None:
                sys.exit("hub exited; see " + self.work + "/hub.log")
            time.sleep(0.1)
        else:
            sys.exit("hub did not start; see " + self.work + "/hub.log")
        self.site = f"{self.work}/site"
        self.target = f"{self.work}/cloud"
        self.run(f"{self.bin}/ngsim", "init", self.site, "--site", "chaos", "--target", f"cloud={self.target}")
        os.makedirs(f"{self.work}/bin")
        self.run(f"{self.bin}/ngsim", "install-links", f"{self.work}/bin")
        self.mount = f"{self.site}/mmfs1"
        self.workers = [Worker(self, i + 1) for i in range(self.args.workers)]
        for worker in self.workers:
            worker.start()
        for _ in range(600):
            status, body = request("GET", self.api + "/nodes/?page_size=0", token=self.token)
            if status == 200 and body["count"] >= len(self.workers):
                break
            time.sleep(0.1)
        else:
            sys.exit("the workers did not register; see " + self.work)
        # One file per task; nothing else limits a batch.
        status, body = request("GET", self.api + "/sites/?page_size=0", token=self.token)
        site_id = next(s["id"] for s in body["results"] if s["name"] == "chaos")
        status, body = request("PATCH", f"{self.api}/sites/{site_id}/", {"file_batch_size": 1}, self.token)
        if status != 200:
            sys.exit(f"setting file_batch_size: {status} {body}")
        # Two steps by default (premigrate, then stub), so that a result committed twice would show as the
        # next step created twice; one step is the plain migrate.
        steps = [{"name": "dynamo.tasks.migrate", "premigrate": True}, {"name": "dynamo.tasks.migrate"}]
        steps = steps if self.args.steps == 2 else [{"name": "dynamo.tasks.migrate"}]
        status, body = request("POST", self.api + "/workflows/", {
            "name": "chaos_migrate", "label": "Chaos migrate", "discovery": "recursive", "fields": [],
            "filter_rules": [{"state": "all", "type": "file", "action": steps}]}, self.token)
        if status != 201:
            sys.exit(f"creating the workflow: {status} {body}")
        self.files = []
        root = os.path.join(self.mount, "chaos")
        count = max(1, self.args.tasks // self.args.steps)
        for index in range(count):
            folder = os.path.join(root, f"d{index // 100:03d}")
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, f"f{index:05d}")
            with open(path, "wb") as out:
                out.write((f"chaos file {index}\n".encode()) * 256)
            self.files.append(path)
        self.root = root

    # -- the chaos ------------------------------------------------------------------------------------

    def kill_one(self):
        worker = random.choice(self.workers)
        pid = worker.process.pid
        worker.kill()
        when = time.time()
        # What the hub knows the node was running at that moment (its started events are already applied
        # or in flight; a result in flight shows later as the same attempt finishing).
        # `node` is the worker's consumer name, `<node_name>:<pid>:<n>`: the process killed, not its successor.
        rows = self.sql(f"SELECT task_id, attempt FROM tasks WHERE job_id = {self.job} AND state = 'STARTED' "
                        f"AND (node = '{worker.node}' OR node LIKE '{worker.node}:{pid}:%')")
        self.kills.append({"time": when, "node": worker.node, "tasks": {r[0]: int(r[1]) for r in rows}})
        worker.start()
        log(f"kill #{len(self.kills)}: {worker.node} (running {len(rows)} tasks), restarted")

    def track(self):
        """Resolves the tasks of past kills: re-delivered (a newer attempt started) or finished by the old one."""
        pending = {(k, t): a for k, kill in enumerate(self.kills) for t, a in kill["tasks"].items()
                   if (k, t) not in self.redelivered and (k, t) not in self.resolved}
        if not pending:
            return
        ids = ",".join(f"'{t}'" for t in {t for _, t in pending})
        rows = self.sql(f"SELECT task_id, attempt, extract(epoch FROM started), state FROM tasks WHERE task_id IN ({ids})")
        now = {r[0]: (int(r[1]), float(r[2]) if r[2] else None, r[3]) for r in rows}
        for (k, t), attempt in pending.items():
            current, started, state = now[t]
            if current > attempt and started is not None:
                self.redelivered[(k, t)] = started - self.kills[k]["time"]
            elif state in FINAL:
                self.resolved.add((k, t))

    def chaos(self):
        status, body = request("POST", self.api + "/file/workflow/", {
            "workflow": "chaos_migrate", "site": "chaos", "paths": [self.root], "fields": {}}, self.token)
        if status != 201:
            sys.exit(f"submission failed: {status} {body}")
        self.job = body["id"]
        log(f"job {self.job}: {len(self.files)} files x {self.args.steps} steps on {len(self.workers)} workers; "
            f"a kill every {self.args.interval} s, limit {self.args.limit} s")
        self.started = time.time()
        deadline = self.started + self.args.limit
        next_kill = self.started + self.args.interval
        last_report = self.started
        self.state = "PENDING"
        while time.time() < deadline:
            self.state = self.sql(f"SELECT state FROM jobs WHERE id = {self.job}")[0][0]
            if self.state in ("SUCCESS", "FAILURE", "CANCELLED"):
                break
            if time.time() >= next_kill:
                self.kill_one()
                next_kill = time.time() + self.args.interval
            self.track()
            if time.time() - last_report >= 15:
                last_report = time.time()
                done, total = self.sql(f"SELECT total_tasks - open_tasks, total_tasks FROM jobs WHERE id = {self.job}")[0]
                log(f"{done}/{total} tasks done, {len(self.kills)} kills")
            time.sleep(0.5)
        self.wall = time.time() - self.started
        self.timed_out = self.state not in ("SUCCESS", "FAILURE", "CANCELLED")
        # Re-deliveries still due after the end (tasks of the last kills): a short grace period.
        grace = time.time() + self.args.lease + 10
        while time.time() < grace and any((k, t) not in self.redelivered and (k, t) not in self.resolved
                                          for k, kill in enumerate(self.kills) for t in kill["tasks"]):
            self.track()
            time.sleep(0.5)
        self.track()

    # -- the report -----------------------------------------------------------------------------------

    def report(self):
        job = self.job
        states = dict(self.sql(f"SELECT state, count(*) FROM tasks WHERE job_id = {job} GROUP BY state"))
        total = sum(int(n) for n in states.values())
        step_tasks = int(self.sql(f"SELECT count(*) FROM tasks WHERE job_id = {job} AND kind = 'step'")[0][0])
        open_tasks = int(states.get("PENDING", 0)) + int(states.get("STARTED", 0))
        last_step = self.args.steps - 1
        # Files whose last step reported them (processed or skipped: a re-delivered stub finds it done).
        reported = {r[0]: r[1] for r in self.sql(
            f"SELECT tf.path, tf.state FROM task_files tf JOIN tasks t ON t.id = tf.task_id "
            f"WHERE t.job_id = {job} AND t.kind = 'step' AND t.step_index = {last_step}")}
        unreported = [f for f in self.files if reported.get(f) not in ("processed", "skipped")]
        failed_files = sum(1 for f in self.files if reported.get(f) in ("failed", "aborted"))
        # A file handed twice to one step: a discovery or step result committed twice creates the step twice.
        doubled_tasks = self.sql(
            f"SELECT p->>'path', t.step_index, count(*) FROM tasks t, json_array_elements(t.input) p "
            f"WHERE t.job_id = {job} AND t.kind = 'step' GROUP BY 1, 2 HAVING count(*) > 1")
        doubled_rows = self.sql(
            f"SELECT tf.path, t.step_index, count(*) FROM task_files tf JOIN tasks t ON t.id = tf.task_id "
            f"WHERE t.job_id = {job} AND tf.step GROUP BY 1, 2 HAVING count(*) > 1")
        counters = self.sql(f"SELECT total_tasks, open_tasks, numfiles FROM jobs WHERE id = {job}")[0]
        counters_ok = int(counters[0]) == total and int(counters[1]) == open_tasks and int(counters[2]) == len(self.files)
        # The sandbox: every file a stub whose object is the one at its own key, and one object per file.
        states_out = {}
        for start in range(0, len(self.files), 500):
            chunk = self.files[start:start + 500]
            out = subprocess.run([f"{self.bin}/ngsim", "state", *chunk], env=dict(self.env, NGSIM_SITE=self.site),
                                 capture_output=True, text=True).stdout
            for line in out.splitlines():
                parts = line.split("\t")
                if len(parts) >= 2:
                    states_out[parts[1]] = (parts[0], parts[2] if len(parts) > 2 else "")
        not_migrated = [f for f in self.files if states_out.get(f, ("?",))[0] != "migrated"]
        wrong_key = [f for f in self.files if f not in not_migrated
                     and not states_out[f][1].endswith("key=mmfs1/" + os.path.relpath(f, self.mount))]
        objects, temps = {}, 0
        for folder, _, names in os.walk(self.target):
            for name in names:
                if name.endswith("@meta"):
                    key = os.path.relpath(os.path.join(folder, name[:-5]), self.target)
                    # '<key>.<uuid4>' is the second object Ngenea stores for the same key with other content.
                    base = key[:-37] if len(key) > 37 and key[-37] == "." and key[-36:].count("-") == 4 else key
                    objects.setdefault(base, []).append(key)
                elif "@tmp-" in name:
                    temps += 1
        keys = {"mmfs1/" + os.path.relpath(f, self.mount) for f in self.files}
        doubled_objects = [k for k, v in objects.items() if len(v) > 1]
        missing_objects = [k for k in keys if k not in objects]
        stray_objects = [k for k in objects if k not in keys]

        unmigrated = set(not_migrated) | set(wrong_key) | {os.path.join(self.mount, k[6:]) for k in missing_objects}
        lost_files = set(unreported) | unmigrated
        doubled_files = ({r[0] for r in doubled_tasks} | {r[0] for r in doubled_rows}
                         | {os.path.join(self.mount, k[6:]) for k in doubled_objects + stray_objects})
        lost = open_tasks + len(lost_files)
        doubled = len(doubled_files) + (0 if counters_ok else 1)
        delays = sorted(self.redelivered.values())
        tracked = sum(len(k["tasks"]) for k in self.kills)
        never = tracked - len(self.redelivered) - len(self.resolved)
        lost += never if open_tasks == 0 else 0  # a tracked task neither re-delivered nor finished (already open otherwise)
        longest = max(delays) if delays else float("nan")

        rows = [
            ("tasks (step tasks)", f"{total} ({step_tasks})", ""),
            ("files", f"{len(self.files)}", ""),
            ("job", f"{self.state}" + (" (time limit reached)" if self.timed_out else ""), "SUCCESS"),
            ("tasks lost", f"{lost}", "0"),
            ("  tasks not final at the end", f"{open_tasks}", "0"),
            ("  files not reported / not migrated (sandbox)",
             f"{len(unreported)} / {len(unmigrated)}", "0 / 0"),
            ("  killed tasks never re-delivered", f"{never}", "0"),
            ("results committed twice", f"{doubled}", "0"),
            ("  files given twice to one step", f"{len({r[0] for r in doubled_tasks} | {r[0] for r in doubled_rows})}", "0"),
            ("  files with more than one object", f"{len(doubled_objects) + len(stray_objects)}", "0"),
            ("  job counters match the tasks", "yes" if counters_ok else f"no {counters}", "yes"),
            ("longest kill -> re-delivery", f"{longest:.1f} s" if delays else "-", "< 30 s"),
            ("  median kill -> re-delivery", f"{statistics.median(delays):.1f} s" if delays else "-", ""),
            ("  tasks re-delivered / finished by the killed node", f"{len(delays)} / {len(self.resolved)}", ""),
            ("kills", f"{len(self.kills)} (every {self.args.interval} s, {self.args.workers} workers)", ""),
            ("wall time", f"{self.wall:.1f} s", f"< {self.args.limit} s"),
            ("task states", ", ".join(f"{k} {v}" for k, v in sorted(states.items())), ""),
            ("failed files; leftover temp objects", f"{failed_files}; {temps}", ""),
        ]
        width = max(len(r[0]) for r in rows)
        vwidth = max(len(r[1]) for r in rows)
        print()
        print(f"# ngenea chaos: {len(self.files)} files, task_lease {self.args.lease} s, "
              f"{self.args.threads} threads per worker, tools slowed {self.args.slow_ms} ms per file")
        print(f"{'':{width}}  {'figure':{vwidth}}  goal")
        for name, value, goal in rows:
            print(f"{name:{width}}  {value:{vwidth}}  {goal}")
        for label, items in (("lost", sorted(lost_files)), ("doubled", sorted(doubled_files))):
            if items:
                print(f"{label} (first 10): " + ", ".join(items[:10]))
        ok = lost == 0 and doubled == 0 and not self.timed_out
        if delays and longest >= 30:
            print("note: the longest kill -> re-delivery is over the 30 s goal")
        return ok

    # -- tear-down ------------------------------------------------------------------------------------

    def stop(self):
        for worker in self.workers:
            worker.kill()
        if self.hub is not None:
            try:
                os.killpg(self.hub.pid, signal.SIGTERM)
                self.hub.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.hub.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.created_db and not self.args.keep:
            subprocess.run(["psql", "-X", "-q", self.admin_db, "-c", f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)'],
                           capture_output=True)
        subprocess.run(["redis-cli", "-u", self.redis_url, "FLUSHDB"], capture_output=True)
        if self.args.keep:
            print(f"kept: {self.work} and database {self.db}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description="Chaos check: kill workers while a job runs; count lost and doubled.")
    parser.add_argument("--bin", required=True, help="directory of ngeneahub, ngenea-worker and ngsim")
    parser.add_argument("--tasks", type=int, default=2000, help="step tasks (one file each; files = tasks / steps)")
    parser.add_argument("--steps", type=int, choices=(1, 2), default=2, help="2: premigrate then stub; 1: migrate")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between kills")
    parser.add_argument("--workers", type=int, default=4, help="workers (nodes) of the site")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--limit", type=float, default=600, help="seconds after which the job is judged as it stands")
    parser.add_argument("--lease", type=int, default=6, help="the workers' task_lease, seconds (5 at least)")
    parser.add_argument("--slow-ms", type=int, default=500, help="NGSIM_SLOW per file, milliseconds")
    parser.add_argument("--seed", type=int, help="random seed for the choice of worker")
    parser.add_argument("--keep", action="store_true", help="keep the work folder, logs and database")
    args = parser.parse_args()
    if args.workers < 2 or args.tasks < 1 or args.interval <= 0 or args.lease < 5:
        parser.error("need --workers >= 2, --tasks >= 1, --interval > 0, --lease >= 5")
    random.seed(args.seed)

    stopping = []

    def interrupted(signum, frame):
        # Once only: a second signal (Ctrl-C reaches chaos.sh too, which forwards a TERM) must not cut
        # the clean-up short.
        if not stopping:
            stopping.append(signum)
            raise Stop(signal.Signals(signum).name)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupted)

    chaos = Chaos(args)
    ok = False
    try:
        chaos.start()
        chaos.chaos()
        ok = chaos.report()
    except Stop as stop:
        print(f"\nstopped by {stop}; cleaning up", file=sys.stderr)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        chaos.stop()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
