#!/usr/bin/env python3
"""nnc against its peers, timed so that the numbers hold. Every speed figure in the README's
Speed section comes from one run of this script.

  swift build -c release
  Scripts/bench.py [--rounds 5] [--suites peak,gemm,train,infer,check] [--only WORDS]
                   [--python PYTHON] [--markdown FILE] [--json FILE]

Suites: `peak` (the cores' FMA peak, the yardstick of every limit below), `gemm` (nnc's GEMM
against numpy's bundled OpenBLAS), `train` (whole `nnc train` processes against PyTorch on the
same models, data, recipes, threads and epochs), `infer` (`nnc bench --inference` against ONNX
Runtime, and PyTorch eager where torch imports), `check` (whole `nnc check` processes).
Peers run from Scripts/bench_peers.py with --python (numpy, torch, onnxruntime, onnx); a
missing one is reported and its columns left empty. --markdown and --json are rewritten after
every suite, so a run stopped part way keeps the suites it finished.

How it times, so that a figure means what it says:
- Every timed process (nnc and peer alike) runs under real-time priority, `chrt -r 1 CMD`,
  when the script runs as root and chrt exists; otherwise the report says so.
- Rounds interleave every case, and within a case the order of nnc and its peer alternates
  from round to round (A,B then B,A), so a drift of the machine hits both alike.
- Before each timed process the load average is recorded, and /proc/stat is read before and
  after it. CPU time that the process itself did not use (busy time of the machine minus the
  child's own user and system time), plus time the hypervisor stole, above 3% of the machine
  during the run marks the run disturbed: it is discarded and rerun (up to 3 times; the
  report counts them).
- Every run is also bracketed by the FMA probe on as many threads (`nnc bench peak`,
  ~0.1 s, under the same priority). On a virtual machine the host can place two virtual
  CPUs on one physical core for seconds at a time (here the 2-thread probe reads one core's
  peak in about a third of tries, with both threads on separate virtual CPUs and no steal
  time reported), and a run in such a spell measures one core while claiming two; a single
  virtual CPU's core is shared at times too (here the 1-thread probe read ~62% of its peak
  for seconds at a time, no steal time reported). A run whose probe before or after reads
  below 85% of threads × the one-core peak (the best 1-thread probe so far) is discarded
  and rerun (up to 8 times; the report counts them). A spell that starts and ends inside a
  training run shows in its epochs: a run whose slowest steady-state epoch is below 80% of
  its fastest is discarded and rerun the same way (every steady epoch does the same work).
  Inside an inference or GEMM run, the median of its timed batches absorbs a short spell. A
  second host state is not caught: for seconds to minutes at a time memory-bound work runs
  up to two times slower, on one thread as on two, while the FMA probe reads only ~5% lower
  (sampled once every ten seconds for six minutes, outside this script: a one-thread LeNet-5
  step 1.8–2.1 ms or 2.6–3.9 ms, a 1 MiB read-bandwidth probe mostly 99–122 or 66–89 GB/s).
  A run wholly inside it stays in the medians; one that straddles a switch is caught by the
  uneven-epochs rerun when it trains.
- Figures are the median over rounds with the min–max beside it; ratios are of medians. The
  ratio within each round (nnc's run and its peer's, back to back) is reported beside it as
  median (min–max): it cancels a host state that lasts a round, which the ratio of medians
  does not when the state changes between rounds.
- Training throughput counts steady-state epochs only (epochs 2..N of each process: the first
  includes the first touch of every buffer and the peer's lazy initialization).
- Limits: the FMA probe (`nnc bench peak`) measures what the cores can do; a case's best
  possible ratio is that peak over the FLOP/s the peer reaches on the case's matrix
  products (as if nnc ran them at the peak and everything else were free).
"""
import argparse, datetime, json, os, platform, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "Scripts", "bench_peers.py")
MODELS = os.path.join(ROOT, "models")
HZ = os.sysconf("SC_CLK_TCK")
CPUS = os.cpu_count() or 1
THREADS = (1, 2)
OPTIMIZERS = {"sgd": "{sgd: 0.1}", "adam": "{adam: 0.001}"}
TRAIN_MODELS = {  # peer name: (title, bundled spec, extra hidden layers, batch)
    "mlp128": ("MLP 784-128-10", "mnist_mlp", "", 128),
    "mlp500": ("MLP 784-500-500-10", "mnist_mlp", "  - dense: {units: 500, activation: relu}\n" * 2, 128),
    "lenet5": ("LeNet-5", "lenet5", "", 64),
    "lstm": ("LSTM 128, MNIST rows", "lstm_classifier", "", 64),
    "gru": ("GRU 128, MNIST rows", "gru_classifier", "", 64),
}
INFER_BATCHES = {"mlp128": (1, 256), "mlp500": (1, 256), "lenet5": (1, 256), "lstm": (1, 256), "gru": (1, 256)}
CHECK_MODELS = ["deep_cnn_10000.yaml", "lenet5.yaml", "resnet_block.nn"]


# MARK: Timing one process

class Machine:
    """Real-time priority when possible; the CPU time of everything else during a run."""

    def __init__(self, nnc=None):
        self.realtime = os.geteuid() == 0 and shutil.which("chrt") is not None
        self.discarded = 0
        self.disturbed_kept = 0
        self.short_of_cores = 0
        self.short_of_cores_kept = 0
        self.uneven = 0
        self.uneven_kept = 0
        self.loads = []
        self.last_stderr = ""
        self.nnc = nnc
        self.core_peak = None

    def probe(self, threads):
        """The FMA peak of `threads` threads, GFLOP/s, under the timed runs' priority."""
        command = (["chrt", "-r", "1"] if self.realtime else []) + [
            self.nnc, "bench", "peak", "--threads", str(threads), "--format", "json"]
        return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)["gflops"]

    def has_cores(self, threads):
        """Whether `threads` threads run at `threads` whole cores' peak now (see the module's doc)."""
        if not self.nnc:
            return True
        if self.core_peak is None:
            self.core_peak = max(self.probe(1) for _ in range(3))
        reading = self.probe(threads)
        if threads == 1:
            self.core_peak = max(self.core_peak, reading)
        return reading >= 0.85 * threads * self.core_peak

    @staticmethod
    def cpu_times():
        """(busy, steal) seconds of the whole machine since boot, from /proc/stat."""
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
        return (user + nice + system + irq + softirq) / HZ, steal / HZ

    def run(self, command, env=None, attempts=3, threads=1, core_attempts=8, epochs=None):
        """Runs one whole process (its stdout is returned, parsed as JSON when it is JSON).
        Returns (output, wall seconds, peak RSS MB), rerunning a disturbed run, a run on
        `threads` threads that the host did not give as many whole cores, and a run whose
        steady-state epoch speeds (`epochs(output)`) are uneven."""
        for attempt in range(core_attempts):
            before = self.has_cores(threads)
            result = self.run_once(command, env, attempts)
            speeds = epochs(result[0]) if epochs else []
            even = not speeds or min(speeds) >= 0.8 * max(speeds)
            if before and even and self.has_cores(threads):
                return result
            if attempt + 1 < core_attempts:
                if even:
                    self.short_of_cores += 1
                else:
                    self.uneven += 1
        # Kept after the last attempt: counted by why that attempt failed.
        if even:
            self.short_of_cores_kept += 1
        else:
            self.uneven_kept += 1
        return result

    def run_once(self, command, env, attempts):
        """One timed process, rerun (up to `attempts` times) while other work takes CPU during it."""
        for attempt in range(attempts):
            self.loads.append(os.getloadavg()[0])
            full = (["chrt", "-r", "1"] if self.realtime else []) + command
            with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
                busy0, steal0 = self.cpu_times()
                start = time.perf_counter()
                child = subprocess.Popen(full, stdout=out, stderr=err, env=env, cwd=ROOT)
                _, status, usage = os.wait4(child.pid, 0)
                wall = time.perf_counter() - start
                busy1, steal1 = self.cpu_times()
                out.seek(0); err.seek(0)
                stdout, stderr = out.read().decode(), err.read().decode()
                self.last_stderr = stderr
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"failed ({os.waitstatus_to_exitcode(status)}): {' '.join(command)}\n{stderr[-2000:]}")
            others = (busy1 - busy0) - (usage.ru_utime + usage.ru_stime) + (steal1 - steal0)
            if others <= 0.03 * wall * CPUS + 0.03:
                break
            if attempt + 1 < attempts:
                self.discarded += 1
            else:
                self.disturbed_kept += 1
        try:
            output = json.loads(stdout)
        except json.JSONDecodeError:
            output = stdout
        return output, wall, usage.ru_maxrss / 1024


def median_range(values, fmt="{:,.0f}"):
    if not values:
        return "—"
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def ratio(a, b):
    return f"{statistics.median(a) / statistics.median(b):.2f}" if a and b else "—"


def per_round(a, b):
    """The ratio within each round (a[i] and b[i] ran back to back), median (min–max): a host
    state that lasts a round cancels in it, where it can move one side's median alone."""
    if not a or len(a) != len(b):
        return "—"
    ratios = [x / y for x, y in zip(a, b)]
    return f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"


# MARK: Suites

class Bench:
    def __init__(self, args):
        self.args = args
        self.machine = Machine(args.nnc)
        self.nnc = args.nnc
        self.python = args.python
        self.tmp = tempfile.mkdtemp(prefix="nnc-bench-")
        self.peaks = {}          # threads → [GFLOP/s]
        self.report = []         # markdown lines
        self.raw = {}            # everything measured
        self.peer_versions = {}

    def wanted(self, name):
        return not self.args.only or any(word in name for word in self.args.only.split(","))

    def peer_available(self, module):
        found = subprocess.run([self.python, "-c", f"import {module}; print({module}.__version__)"], capture_output=True, text=True)
        if found.returncode == 0:
            self.peer_versions[module] = found.stdout.strip()
        return found.returncode == 0

    def rounds(self, cases):
        """Runs `cases` (lists of (key, thunk) pairs: nnc then its peers) for the rounds,
        interleaved, alternating the order within each case between rounds. Returns
        {key: [result, …]}."""
        results = {}
        for r in range(self.args.rounds):
            for case in cases:
                order = case if r % 2 == 0 else list(reversed(case))
                for key, thunk in order:
                    results.setdefault(key, []).append(thunk())
            print(f"  round {r + 1}/{self.args.rounds} done", file=sys.stderr, flush=True)
        return results

    # The cores' peak

    def suite_peak(self):
        cases = [[((t,), lambda t=t: self.machine.run([self.nnc, "bench", "peak", "--threads", str(t), "--format", "json"], threads=t)[0]["gflops"])]
                 for t in THREADS]
        results = self.rounds(cases)
        for t in THREADS:
            self.peaks[t] = results[(t,)]
        self.raw["peak"] = {str(t): self.peaks[t] for t in THREADS}
        self.report += ["### The cores' peak", "",
                        "`nnc bench peak`: twelve independent chains of FMAs per core (16 lanes with AVX-512, 8 with AVX2), the best of five 20 ms probes,",
                        "all cores of the count at once. GFLOP/s, median (min–max) over the rounds.", "",
                        "| threads | peak GFLOP/s |", "| ---: | ---: |"]
        self.report += [f"| {t} | {median_range(self.peaks[t], '{:.1f}')} |" for t in THREADS] + [""]

    def peak(self, threads):
        return statistics.median(self.peaks[threads]) if self.peaks.get(threads) else None

    # GEMM

    def suite_gemm(self):
        have_numpy = self.peer_available("numpy")
        shapes = None
        cases = []
        for t in THREADS:
            case = [(("nnc", t), lambda t=t: self.machine.run([self.nnc, "bench", "gemm", "--threads", str(t), "--format", "json"], threads=t)[0])]
            if have_numpy:
                env = dict(os.environ, OPENBLAS_NUM_THREADS=str(t))
                env.pop("OPENBLAS_CORETYPE", None)

                def numpy_run(t=t, env=env):
                    return self.machine.run([self.python, PEERS, "gemm", json.dumps(self.gemm_shapes()), str(t)], env=env, threads=t)[0]
                case.append((("numpy", t), numpy_run))
            cases.append(case)
        results = self.rounds(cases)
        shapes = self.gemm_shapes()
        self.raw["gemm"] = {f"{k[0]} {k[1]}": v for k, v in results.items()}
        self.report += ["### GEMM", "",
                        f"`nnc bench gemm` against numpy {self.peer_versions.get('numpy', '(missing)')}'s bundled OpenBLAS"
                        " (`np.matmul` into a preallocated output), GFLOP/s: each process's median of 9 timed batches,",
                        "then the median (min–max) over the rounds. Peak: the FMA probe of the same thread count.", "",
                        "| shape | threads | nnc | OpenBLAS | nnc / OpenBLAS | per round | nnc / peak |",
                        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for t in THREADS:
            for i, s in enumerate(shapes):
                ours = [r[i]["gflops"] for r in results[("nnc", t)]]
                theirs = [r["gflops"][i] for r in results.get(("numpy", t), [])]
                peak = self.peak(t)
                of_peak = f"{statistics.median(ours) / peak:.2f}" if peak else "—"
                self.report.append(f"| {s['shape']} | {t} | {median_range(ours, '{:.1f}')} | {median_range(theirs, '{:.1f}')} |"
                                   f" {ratio(ours, theirs)} | {per_round(ours, theirs)} | {of_peak} |")
        self.report.append("")

    def gemm_shapes(self):
        if not hasattr(self, "_shapes"):
            rows = subprocess.run([self.nnc, "bench", "gemm", "--list", "--format", "json"], check=True, capture_output=True, text=True).stdout
            self._shapes = json.loads(rows)
        return self._shapes

    # Training

    def training_spec(self, peer_model, optimizer):
        title, spec, extra, batch = TRAIN_MODELS[peer_model]
        with open(os.path.join(MODELS, spec + ".yaml")) as f:
            text = f.read()
        lines = []
        for line in text.splitlines(keepends=True):
            if line.startswith("optimizer:"):
                line = f"optimizer: {OPTIMIZERS[optimizer]}\n"
            lines.append(line.replace(" data/", " " + os.path.join(MODELS, "data") + "/"))
        text = "".join(lines)
        if extra:
            text = text.replace("  - dense: {units: 128, activation: relu}\n", extra)
        path = os.path.join(self.tmp, f"{peer_model}_{optimizer}.yaml")
        with open(path, "w") as f:
            f.write(text)
        return path, batch

    @staticmethod
    def steady(speeds):
        """Samples/s over epochs 2..N (every epoch has the same samples): N−1 over Σ 1/speed."""
        rest = speeds[1:] or speeds
        return len(rest) / sum(1 / s for s in rest)

    def suite_train(self):
        have_torch = self.peer_available("torch")
        epochs = self.args.epochs
        cases, specs = [], {}
        for peer_model in TRAIN_MODELS:
            for optimizer in OPTIMIZERS:
                name = f"{peer_model} {optimizer}"
                if not self.wanted(name):
                    continue
                specs[name] = self.training_spec(peer_model, optimizer)
                for t in THREADS:
                    path = specs[name][0]
                    out = os.path.join(self.tmp, "run")

                    def ours(path=path, t=t, out=out):
                        o, _, rss = self.machine.run([self.nnc, "train", path, "--epochs", str(epochs), "--threads", str(t),
                                                      "--quiet", "--format", "json", "--out", out], threads=t,
                                                     epochs=lambda o: [e["samples_per_second"] for e in o["history"]][1:])
                        return {"sps": self.steady([e["samples_per_second"] for e in o["history"]]), "rss": rss,
                                "accuracy": o.get("train_accuracy")}
                    case = [(("nnc", name, t), ours)]
                    if have_torch:
                        def theirs(peer_model=peer_model, optimizer=optimizer, t=t):
                            o, _, rss = self.machine.run([self.python, PEERS, "train", peer_model, optimizer, str(t), str(epochs)], threads=t,
                                                             epochs=lambda o: o["epoch_samples_per_second"][1:])
                            return {"sps": self.steady(o["epoch_samples_per_second"]), "rss": rss, "accuracy": o["train_accuracy"]}
                        case.append((("torch", name, t), theirs))
                    cases.append(case)
        results = self.rounds(cases)
        self.raw["train"] = {" ".join(map(str, k)): v for k, v in results.items()}
        self.report += ["### Training", "",
                        f"Whole `nnc train` processes on the bundled MNIST 5k (4,000 training digits) against PyTorch"
                        f" {self.peer_versions.get('torch', '(missing)')} in the same rounds (`bench_peers.py train`: a preloaded tensor"
                        " indexed by a permutation, no DataLoader, fused Adam, the accuracy counted per batch as nnc does),"
                        f" {epochs} epochs per process, samples/s over epochs 2–{epochs}, median (min–max) of the rounds."
                        " Limit: the cores' peak over the FLOP/s PyTorch reaches on the step's matrix products, the best ratio"
                        " the machine allows. Memory: peak resident set of the 2-thread processes.", "",
                        "| model | optimizer | threads | nnc | PyTorch | nnc / PyTorch | per round | limit | memory nnc / PyTorch |",
                        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for name, (path, batch) in specs.items():
            macs = self.step_multiply_adds(path, batch)
            for t in THREADS:
                ours = [r["sps"] for r in results[("nnc", name, t)]]
                theirs = [r["sps"] for r in results.get(("torch", name, t), [])]
                limit = "—"
                if theirs and self.peak(t) and macs:
                    torch_gflops = statistics.median(theirs) * 2 * macs / batch / 1e9
                    limit = f"{self.peak(t) / torch_gflops:.2f}"
                memory = "—"
                if t == 2:
                    rss = [r["rss"] for r in results[("nnc", name, t)]]
                    peer = [r["rss"] for r in results.get(("torch", name, t), [])]
                    memory = f"{statistics.median(rss):.0f} / {statistics.median(peer):.0f} MB" if peer else f"{statistics.median(rss):.0f} MB / —"
                model, optimizer = name.split()
                self.report.append(f"| {TRAIN_MODELS[model][0]} | {optimizer} | {t} | {median_range(ours)} | {median_range(theirs)} |"
                                   f" {ratio(ours, theirs)} | {per_round(ours, theirs)} | {limit} | {memory} |")
        self.report.append("")

    def step_multiply_adds(self, path, batch):
        """Multiply-adds of one training step of the spec's plan (untimed)."""
        o = subprocess.run([self.nnc, "bench", path, "--batch", str(batch), "--seconds", "0.01", "--threads", "1", "--format", "json"],
                           check=True, capture_output=True, text=True).stdout
        return json.loads(o)["multiply_adds"]

    # Inference

    def suite_infer(self):
        have_ort = self.peer_available("onnxruntime") and self.peer_available("onnx")
        have_torch = self.peer_available("torch")
        cases, rows = [], []
        for peer_model, batches in INFER_BATCHES.items():
            if not self.wanted(peer_model):
                continue
            spec = os.path.join(MODELS, TRAIN_MODELS[peer_model][1] + ".yaml")
            if peer_model == "mlp500":
                spec = self.training_spec("mlp500", "adam")[0]
            for t in THREADS:
                for batch in batches:
                    key = (peer_model, t, batch)
                    rows.append(key)
                    case = [(("nnc",) + key, lambda spec=spec, t=t, batch=batch: self.machine.run(
                        [self.nnc, "bench", spec, "--inference", "--batch", str(batch), "--threads", str(t), "--format", "json"], threads=t)[0]["samples_per_second"])]
                    if have_ort:
                        case.append((("ort",) + key, lambda m=peer_model, t=t, batch=batch: self.machine.run(
                            [self.python, PEERS, "ort", m, str(batch), str(t)], threads=t)[0]["samples_per_second"]))
                    if have_torch:
                        case.append((("torch",) + key, lambda m=peer_model, t=t, batch=batch: self.machine.run(
                            [self.python, PEERS, "torch-infer", m, str(batch), str(t)], threads=t)[0]["samples_per_second"]))
                    cases.append(case)
        results = self.rounds(cases)
        self.raw["infer"] = {" ".join(map(str, k)): v for k, v in results.items()}
        self.report += ["### Inference", "",
                        f"`nnc bench MODEL --inference` against ONNX Runtime {self.peer_versions.get('onnxruntime', '(missing)')}"
                        f" on the same network as an ONNX graph, and PyTorch {self.peer_versions.get('torch', '(missing)')} eager"
                        " (`inference_mode`), random weights, samples/s: each process's median of 7 timed batches, then the"
                        " median (min–max) over the rounds.", "",
                        "| model | threads | batch | nnc | ONNX Runtime | PyTorch | nnc / ONNX Runtime | per round | nnc / PyTorch |",
                        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for key in rows:
            ours, ort, torch = results[("nnc",) + key], results.get(("ort",) + key, []), results.get(("torch",) + key, [])
            model, t, batch = key
            self.report.append(f"| {TRAIN_MODELS[model][0]} | {t} | {batch} | {median_range(ours)} | {median_range(ort)} |"
                               f" {median_range(torch)} | {ratio(ours, ort)} | {per_round(ours, ort)} | {ratio(ours, torch)} |")
        self.report.append("")

    # Checking

    def suite_check(self):
        cases = [[((model,), lambda model=model: self.machine.run([self.nnc, "check", os.path.join(MODELS, model)])[1])]
                 for model in CHECK_MODELS if self.wanted(model)]
        results = self.rounds(cases)
        self.raw["check"] = {k[0]: v for k, v in results.items()}
        self.report += ["### Checking", "", "Whole `nnc check` processes (parse, expand, infer every shape, count every parameter"
                        " and FLOP), milliseconds, median (min–max) over the rounds.", "",
                        "| model | milliseconds |", "| --- | ---: |"]
        self.report += [f"| `{k[0]}` | {median_range([s * 1000 for s in v], '{:.0f}')} |" for k, v in results.items()] + [""]

    # The report

    def header(self):
        cpu = "unknown CPU"
        try:
            with open("/proc/cpuinfo") as f:
                cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
        except (OSError, StopIteration):
            pass
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        loads = self.machine.loads
        lines = [f"Measured {datetime.date.today().isoformat()} by `Scripts/bench.py --rounds {self.args.rounds}` at nnc {commit or '?'}"
                 f" on {cpu}, {CPUS} cores, Linux {platform.release()}.",
                 "Timed processes ran " + ("under `chrt -r 1` (real-time priority)." if self.machine.realtime
                                           else "WITHOUT real-time priority (not root, or no chrt): figures may include other work."),
                 f"Load average before the runs: {min(loads):.2f}–{max(loads):.2f}; runs discarded as disturbed and rerun:"
                 f" {self.machine.discarded}; kept after 3 disturbed attempts: {self.machine.disturbed_kept}.",
                 f"Runs discarded and rerun because the host gave fewer whole cores than threads (FMA probe"
                 f" before or after below 85% of threads × one core's peak): {self.machine.short_of_cores};"
                 f" kept after 8 such attempts: {self.machine.short_of_cores_kept}. Training runs rerun because their"
                 f" steady epochs were uneven (slowest below 80% of fastest): {self.machine.uneven};"
                 f" kept uneven after 8 attempts: {self.machine.uneven_kept}.", ""]
        return lines

    def main(self):
        for suite in self.args.suites.split(","):
            print(f"suite {suite}", file=sys.stderr, flush=True)
            getattr(self, "suite_" + suite)()
            # After every suite, so a run cut short keeps the suites it finished.
            self.write()
        print("\n".join(self.header() + self.report))
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self):
        text = "\n".join(self.header() + self.report)
        if self.args.markdown:
            with open(self.args.markdown, "w") as f:
                f.write(text + "\n")
        if self.args.json:
            with open(self.args.json, "w") as f:
                json.dump({"raw": self.raw, "loads": self.machine.loads, "discarded": self.machine.discarded,
                           "disturbed_kept": self.machine.disturbed_kept,
                           "short_of_cores": self.machine.short_of_cores, "short_of_cores_kept": self.machine.short_of_cores_kept,
                           "uneven": self.machine.uneven, "uneven_kept": self.machine.uneven_kept,
                           "peers": self.peer_versions}, f, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nnc", default=os.path.join(ROOT, ".build", "release", "nnc"))
    parser.add_argument("--python", default=sys.executable, help="the interpreter that imports numpy, torch, onnxruntime and onnx")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=4, help="epochs per training process (the first is not counted)")
    parser.add_argument("--suites", default="peak,gemm,train,infer,check")
    parser.add_argument("--only", metavar="WORDS", help="comma-separated words; run the cases whose name has one (mlp,lstm)")
    parser.add_argument("--markdown", metavar="FILE", help="also write the report here")
    parser.add_argument("--json", metavar="FILE", help="write every measurement here")
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (the first epoch is not counted)")
    Bench(args).main()


if __name__ == "__main__":
    main()
