#!/usr/bin/env python3
"""make bench: end-to-end throughput of the real hub, worker, Redis, PostgreSQL and sandbox tools.

Not a test: it prints figures. (a) a no-op task run inside the worker on a discovered tree, measuring pure
orchestration, with 40-file and 1-file batches; (b) a real migrate through the sandbox tool, against running
the same tool directly on the same batches with the same parallelism. Peak RSS (VmHWM) of hub and worker.
"""
import argparse, concurrent.futures, datetime, json, os, shutil, subprocess, sys, tempfile, time, urllib.request, uuid

from hubapi import request

def peak_rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")

def make_tree(mount, directory, dirs, per_dir, size):
    root = os.path.join(mount, directory)
    payload = b"x" * size
    for d in range(dirs):
        folder = os.path.join(root, f"d{d:04d}")
        os.makedirs(folder, exist_ok=True)
        for f in range(per_dir):
            with open(os.path.join(folder, f"f{f:05d}"), "wb") as out:
                out.write(payload)
    return root

def cpu_seconds(names):
    """CPU time (user + system) used so far by processes whose command name is in `names`."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        name, fields = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        if name in names:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")

CPU_GROUPS = {"hub": {"ngeneahub"}, "worker": {"ngenea-worker"}, "postgres": {"postgres"}, "redis": {"redis-server"}}

def cpu_snapshot():
    return {group: cpu_seconds(names) for group, names in CPU_GROUPS.items()}

def cpu_split(before, after):
    return ", ".join(f"{group} {after[group] - before[group]:.1f}" for group in CPU_GROUPS)

class Bench:
    def __init__(self, args):
        self.args = args
        self.bin = args.bin
        self.work = tempfile.mkdtemp(prefix="ngenea-bench-")
        self.processes = []
        self.port = 18000 + os.getpid() % 1000
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.db = "ngenea_bench_" + uuid.uuid4().hex[:8]
        base = os.environ["NGENEA_TEST_DATABASE_URL"].rsplit("/", 1)[0]
        self.admin_db = os.environ["NGENEA_TEST_DATABASE_URL"]
        self.db_url = f"{base}/{self.db}"
        self.redis_url = os.environ["NGENEA_REDIS_URL"].rsplit("/", 1)[0] + "/14"

    def run(self, *argv, env=None, stdin=None):
        result = subprocess.run(argv, env=env, input=stdin, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"{argv[0]} failed: {result.stdout}{result.stderr}")
        return result.stdout

    def start(self):
        subprocess.run(["psql", self.admin_db, "-qc", f'CREATE DATABASE "{self.db}"'], check=True)
        subprocess.run(["redis-cli", "-u", self.redis_url, "FLUSHDB"], check=True, capture_output=True)
        self.env = dict(os.environ, NGENEA_DATABASE_URL=self.db_url, NGENEA_REDIS_URL=self.redis_url,
                        NGENEAHUB_PORT=str(self.port), NGENEAHUB_HOST="127.0.0.1", NGENEAHUB_CONFIG="/dev/null",
                        NGENEAHUB_PASSWORD_ITERATIONS="1000", NGENEAHUB_LOG_LEVEL="warning")
        self.run(f"{self.bin}/ngeneahub", "createsuperuser", "--username", "bench", env=self.env, stdin="Bench-Pa55word!\n")
        self.hub = subprocess.Popen([f"{self.bin}/ngeneahub", "serve"], env=self.env,
                                    stdout=open(f"{self.work}/hub.log", "w"), stderr=subprocess.STDOUT)
        self.processes.append(self.hub)
        for _ in range(300):
            try:
                status, body = request("POST", self.api + "/auth/token/", {"username": "bench", "password": "Bench-Pa55word!"})
                if status == 200:
                    self.token = body["access"]
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            sys.exit("hub did not start; see " + self.work + "/hub.log")
        site = f"{self.work}/site"
        self.run(f"{self.bin}/ngsim", "init", site, "--site", "bench", "--target", f"cloud={self.work}/cloud")
        os.makedirs(f"{self.work}/bin")
        self.run(f"{self.bin}/ngsim", "install-links", f"{self.work}/bin")
        self.site = site
        self.mount = f"{site}/mmfs1"
        tools = {t: f"{self.work}/bin/{t}" for t in ("ngmigrate", "ngrecall", "ngunmanage")}
        with open(f"{self.work}/worker.conf", "w") as conf:
            conf.write(f"[settings]\nsite = bench\napi_host = 127.0.0.1\nbroker_url = {self.redis_url}\n"
                       f"node_name = bench-node\nthreads = {self.args.threads}\nheartbeat_interval = 1\n"
                       f"loglevel = warning\ncommands = {json.dumps(tools)}\n")
        self.worker = subprocess.Popen([f"{self.bin}/ngenea-worker", "run", "--config", f"{self.work}/worker.conf"],
                                       env=dict(self.env, NGSIM_SITE=site),
                                       stdout=open(f"{self.work}/worker.log", "w"), stderr=subprocess.STDOUT)
        self.processes.append(self.worker)
        for _ in range(300):
            status, body = request("GET", self.api + "/nodes/", token=self.token)
            if status == 200 and body["count"] > 0:
                break
            time.sleep(0.1)
        status, body = request("POST", self.api + "/workflows/", {
            "name": "bench_noop", "label": "No-op", "discovery": "recursive", "fields": [],
            "filter_rules": [{"state": "all", "type": "file", "action": [{"name": "dynamo.tasks.noop"}]}]}, self.token)
        if status != 201:
            sys.exit(f"creating the no-op workflow: {status} {body}")

    def batch_size(self, files, dynamic=False):
        subprocess.run(["psql", self.db_url, "-qc", f"UPDATE sites SET file_batch_size = {files}, "
                        f"enable_auto_file_batch_sizing = {str(dynamic).lower()} WHERE name = 'bench'"], check=True)

    def job(self, workflow, paths, discovery="recursive"):
        cpu = cpu_snapshot()
        started, wall_started = time.monotonic(), time.time()
        status, body = request("POST", self.api + "/file/workflow/", {
            "workflow": workflow, "site": "bench", "paths": paths, "discovery": discovery, "fields": {}}, self.token)
        if status != 201:
            sys.exit(f"submission failed: {status} {body}")
        job = body["id"]
        still_running = started
        while True:
            asked = time.monotonic()
            status, body = request("GET", f"{self.api}/jobs/{job}/progress/", token=self.token)
            if body["state"] in ("SUCCESS", "FAILURE", "CANCELLED"):
                break
            still_running = asked  # the job ran at least until this poll was sent
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        # CPU counted up to the job's end: the detail read below (per-file counts) is not part of the job.
        self.last_cpu = cpu_split(cpu, cpu_snapshot())
        status, detail = request("GET", f"{self.api}/jobs/{job}/", token=self.token)
        # From submission to the job's own completion time (the hub's clock when it settled the job, just
        # before the commit): polling every 50 ms would add half a poll (2-3% of a one-second job) that is
        # the bench's, not the hub's. Never earlier than a poll that still saw the job running.
        if detail.get("completed"):
            completed = datetime.datetime.fromisoformat(detail["completed"].replace("Z", "+00:00")).timestamp()
            elapsed = min(elapsed, max(completed - wall_started, still_running - started))
        return elapsed, detail, body

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        subprocess.run(["redis-cli", "-u", self.redis_url, "FLUSHDB"], capture_output=True)
        if self.args.keep:
            print(f"kept {self.work} and database {self.db}")
        else:
            subprocess.run(["psql", self.admin_db, "-qc", f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)'])
            shutil.rmtree(self.work, ignore_errors=True)

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--migrate-files", type=int, default=4_000)
    parser.add_argument("--migrate-rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the work folder and the database")
    parser.add_argument("--only", choices=("40", "1", "dynamic", "migrate"), help="run one of the measurements")
    parser.add_argument("--profile", help="run this command with the hub and worker pids appended once both run")
    args = parser.parse_args()
    bench = Bench(args)
    try:
        bench.start()
        print(f"# ngenea bench: {args.files} files, worker threads {args.threads}, {os.cpu_count()} cores")
        tree = make_tree(bench.mount, "noop", max(1, args.files // 1000), min(1000, args.files), 1)
        # Fixed batch sizes, then the site default (40, with dynamic batching growing it for large jobs).
        if args.profile:
            subprocess.Popen([*args.profile.split(), str(bench.hub.pid), str(bench.worker.pid)])
        for batch, dynamic, label in ((40, False, "40-file batches"), (1, False, " 1-file batches"), (40, True, "dynamic batching")):
            if args.only and args.only != label.strip().split("-")[0].split()[0]:
                continue
            bench.batch_size(batch, dynamic)
            elapsed, detail, progress = bench.job("bench_noop", [tree])
            files, tasks = detail.get("numfiles", 0), progress["tasks_total"]
            print(f"(a) no-op, {label}: {detail['state']} {files} files, {tasks} tasks in {elapsed:.2f} s"
                  f" = {files / elapsed:,.0f} files/s, {tasks / elapsed:,.0f} tasks/s")
            print(f"    CPU seconds: {bench.last_cpu}; hub peak RSS so far {peak_rss_mb(bench.hub.pid):.0f} MB")
        if args.only and args.only != "migrate":
            print(f"peak RSS: hub {peak_rss_mb(bench.hub.pid):.0f} MB, worker {peak_rss_mb(bench.worker.pid):.0f} MB")
            return
        bench.batch_size(40)
        # (a) left a few hundred thousand dead rows and a few hundred MB of WAL; their clean-up (autovacuum,
        # the checkpoint that WAL calls for) would otherwise run during (b).
        subprocess.run(["psql", bench.db_url, "-qc", "VACUUM ANALYZE"], check=True)
        subprocess.run(["psql", bench.db_url, "-qc", "CHECKPOINT"], check=True)
        per_dir = 500
        dirs = max(1, args.migrate_files // per_dir)
        files = dirs * per_dir
        env = dict(os.environ, NGSIM_SITE=bench.site)

        def via_hub(tree):
            elapsed, detail, _ = bench.job("migrate", [tree])
            if detail["state"] != "SUCCESS":
                sys.exit(f"the migrate job ended {detail['state']}")
            return elapsed

        def direct(tree):
            batches = []
            for d in sorted(os.listdir(tree)):
                names = sorted(os.listdir(os.path.join(tree, d)))
                for start in range(0, len(names), 40):
                    batches.append([os.path.join(tree, d, n) for n in names[start:start + 40]])
            started = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(args.threads) as pool:
                list(pool.map(lambda b: subprocess.run([f"{bench.work}/bin/ngmigrate", *b], env=env, capture_output=True), batches))
            return time.monotonic() - started, len(batches)

        # Runs of the same tool on this machine vary by a third from one to the next: several rounds, each
        # on fresh trees, the hub first in one round and the tool first in the next, and the median ratio.
        ratios = []
        for round in range(args.migrate_rounds):
            trees = [make_tree(bench.mount, f"migrate-{round}-{which}", dirs, per_dir, 4096) for which in ("hub", "direct")]
            if round % 2 == 0:
                hub_elapsed = via_hub(trees[0])
                cpu = bench.last_cpu
                direct_elapsed, batches = direct(trees[1])
            else:
                direct_elapsed, batches = direct(trees[1])
                hub_elapsed = via_hub(trees[0])
                cpu = bench.last_cpu
            ratios.append(direct_elapsed / hub_elapsed)
            print(f"(b) migrate, round {round + 1}: via hub {files} files in {hub_elapsed:.2f} s = {files / hub_elapsed:,.0f} files/s"
                  f" (CPU seconds: {cpu}); the tool directly on the same {batches} batches, {args.threads} at a time:"
                  f" {direct_elapsed:.2f} s; hub/direct = {ratios[-1]:.0%}")
        print(f"(b) migrate: hub/direct median {sorted(ratios)[len(ratios) // 2]:.0%} over {len(ratios)} rounds"
              f" ({', '.join(f'{r:.0%}' for r in ratios)})")
        print(f"peak RSS: hub {peak_rss_mb(bench.hub.pid):.0f} MB, worker {peak_rss_mb(bench.worker.pid):.0f} MB")
    finally:
        bench.stop()

if __name__ == "__main__":
    main()
