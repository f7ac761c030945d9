"""PyTorch twin of the original attention demo, for benchmarking the TypeScript port.

It keeps the original demo's behaviour: one attention head (embedding + query,
key and value projections) is trained with Adam so that the focus word ("it")
attends to the size words ("elephant", "car", "too") and ignores the rest.

Run the demo and print its report:

    /usr/bin/python3 bench/torch_twin.py
    /usr/bin/python3 bench/torch_twin.py --focus-word it --size-words elephant,car --epochs 100
    /usr/bin/python3 bench/torch_twin.py --json        # loss history + combined weight as JSON

Time training epochs over a grid of sentence lengths × model widths (one JSON line):

    /usr/bin/python3 bench/torch_twin.py --bench-grid 13,64,128,512,1024 4,16,64 \\
        --repeats 5 --warmup 10 --epochs-per-repeat 50
    /usr/bin/python3 bench/torch_twin.py --bench-grid 13,128 4,16 --target-ms 100

With --target-ms, the number of epochs per repeat is chosen per grid cell so that
one repeat takes about that long (at least --min-epochs), after a warm-up of at
least --warmup epochs and --warmup-ms milliseconds. `deno task bench` uses this.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import re
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_SENTENCE = "The pink elephant tried to get into the car but it was too"
DEFAULT_FOCUS_WORD = "it"
DEFAULT_SIZE_WORDS = ("elephant", "car", "too")

# A word is a run of letters and digits, optionally joined by an apostrophe or
# hyphen ("don't", "well-known"). Everything else (punctuation) separates words.
WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def tokenize(sentence: str) -> list[str]:
    """Lower-cased words of the sentence, punctuation dropped."""
    return WORD.findall(sentence.lower())


def build_vocabulary(tokens: list[str]) -> dict[str, int]:
    """One id per distinct token, in order of first appearance."""
    vocabulary: dict[str, int] = {}
    for token in tokens:
        vocabulary.setdefault(token, len(vocabulary))
    return vocabulary


class AttentionWithGradient(nn.Module):
    """A single attention head: the focus token queries every token of the sentence."""

    def __init__(self, vocab_size: int, d_model: int):
        super().__init__()
        self.d_model = d_model
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.query = nn.Linear(d_model, d_model)
        self.key = nn.Linear(d_model, d_model)
        self.value = nn.Linear(d_model, d_model)

    def forward(self, input_ids: torch.Tensor, focus_idx: int):
        embeddings = self.embedding(input_ids)  # [seqLen, d]
        q = self.query(embeddings[focus_idx])  # [d]
        k = self.key(embeddings)  # [seqLen, d]
        v = self.value(embeddings)  # [seqLen, d]
        scores = k @ q / math.sqrt(self.d_model)  # [seqLen]
        weights = F.softmax(scores, dim=0)  # [seqLen]
        context = weights @ v  # [d]
        return context, weights


class SizeLoss:
    """Rewards attention on the size positions and penalises it everywhere else."""

    def __init__(self, size_positions: list[int], seq_len: int):
        size_set = set(size_positions)
        self.size_positions = torch.tensor(sorted(size_set), dtype=torch.long)
        self.other_positions = torch.tensor(
            [i for i in range(seq_len) if i not in size_set], dtype=torch.long
        )

    def __call__(self, weights: torch.Tensor) -> torch.Tensor:
        size_loss = (1 - weights[self.size_positions]).mean()
        other_loss = weights[self.other_positions].mean()
        return size_loss + other_loss


class AttentionTrainer:
    """Builds the vocabulary, model, loss and Adam optimiser for one sentence."""

    def __init__(
        self,
        sentence: str = DEFAULT_SENTENCE,
        focus_word: str = DEFAULT_FOCUS_WORD,
        size_words: tuple[str, ...] | list[str] = DEFAULT_SIZE_WORDS,
        d_model: int = 4,
        learning_rate: float = 0.001,
    ):
        self.tokens = tokenize(sentence)
        if not self.tokens:
            raise ValueError("the sentence has no words")
        self.vocabulary = build_vocabulary(self.tokens)

        focus = focus_word.lower()
        if focus not in self.vocabulary:
            raise ValueError(f"focus word {focus_word!r} is not in the sentence")
        self.focus_idx = self.tokens.index(focus)  # first occurrence

        sizes = {word.lower() for word in size_words}
        self.size_positions = [i for i, t in enumerate(self.tokens) if t in sizes]
        if not self.size_positions:
            raise ValueError("none of the size words is in the sentence")
        if len(self.size_positions) == len(self.tokens):
            raise ValueError("every token is a size word; nothing to ignore")

        self.input_ids = torch.tensor(
            [self.vocabulary[t] for t in self.tokens], dtype=torch.long
        )
        self.model = AttentionWithGradient(len(self.vocabulary), d_model)
        self.criterion = SizeLoss(self.size_positions, len(self.tokens))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=learning_rate)

    def train_epoch(self) -> float:
        """One step of gradient descent; returns the loss before the step."""
        self.optimizer.zero_grad()
        _, weights = self.model(self.input_ids, self.focus_idx)
        loss = self.criterion(weights)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def train(self, epochs: int = 200, verbose: bool = True) -> list[dict]:
        history = []
        if verbose:
            print("Starting training...")
        for epoch in range(epochs):
            loss = self.train_epoch()
            history.append({"epoch": epoch, "loss": loss})
            if verbose and epoch % 20 == 0:
                print(f"Epoch: {epoch}, Loss: {loss:.4f}")
        return history

    def load_parameters(self, parameters: dict) -> None:
        """Starts from given values, in the TypeScript library's layout (its
        `Parameters`: projections `x · W + b` with W [in, out]; nn.Linear
        stores W transposed, [out, in])."""
        model = self.model
        with torch.no_grad():
            model.embedding.weight.copy_(torch.tensor(parameters["embedding"]))
            for name, layer in (("query", model.query), ("key", model.key),
                                ("value", model.value)):
                layer.weight.copy_(torch.tensor(parameters[f"{name}Weight"]).T)
                layer.bias.copy_(torch.tensor(parameters[f"{name}Bias"]))

    def attention_weights(self) -> list[float]:
        with torch.no_grad():
            _, weights = self.model(self.input_ids, self.focus_idx)
        return weights.tolist()

    def analyze(self, verbose: bool = True) -> float:
        """Prints the ranking of attention weights; returns the combined size weight."""
        weights = self.attention_weights()
        combined = sum(weights[i] for i in self.size_positions)
        if verbose:
            print("\nAttention Pattern Analysis:")
            print("Token Importance Ranking:")
            order = sorted(range(len(weights)), key=lambda i: weights[i], reverse=True)
            for i in order:
                print(f"Token: {self.tokens[i]:<15} Attention Weight: {weights[i]:.4f}")
            print(f"\nCombined weight for size-related words: {combined:.4f}")
        return combined


# --------------------------------------------------------------------------- #
# Benchmark
# --------------------------------------------------------------------------- #


def bench_sentence(seq_len: int) -> str:
    """The original sentence padded with distinct filler words to seq_len tokens."""
    base = tokenize(DEFAULT_SENTENCE)
    if seq_len < len(base):
        raise ValueError(f"seqLen must be at least {len(base)}")
    fillers = [f"w{i:04d}" for i in range(len(base), seq_len)]
    return " ".join(base + fillers)


def bench_one(args, seq_len: int, d_model: int) -> dict:
    torch.manual_seed(args.seed)
    trainer = AttentionTrainer(
        bench_sentence(seq_len), args.focus_word, args.size_words,
        d_model, args.learning_rate,
    )
    assert len(trainer.tokens) == seq_len
    # Warm-up: at least --warmup epochs and --warmup-ms milliseconds.
    warmup_epochs = 0
    start = time.perf_counter()
    while warmup_epochs < args.warmup or (
        (time.perf_counter() - start) * 1000 < args.warmup_ms
    ):
        trainer.train_epoch()
        warmup_epochs += 1
    epochs_per_repeat = args.epochs_per_repeat
    if args.target_ms is not None:
        # Pilot: time a few epochs, then size a repeat to about --target-ms.
        pilot = max(3, args.min_epochs)
        start = time.perf_counter()
        for _ in range(pilot):
            trainer.train_epoch()
        pilot_ms = (time.perf_counter() - start) * 1000 / pilot
        epochs_per_repeat = max(
            args.min_epochs, round(args.target_ms / max(pilot_ms, 1e-6))
        )
    per_epoch_ms = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(epochs_per_repeat):
            trainer.train_epoch()
        elapsed = time.perf_counter() - start
        per_epoch_ms.append(elapsed * 1000 / epochs_per_repeat)
    return {
        "seqLen": seq_len,
        "dModel": d_model,
        "msPerEpoch": statistics.median(per_epoch_ms),
        "repeats": per_epoch_ms,
        "epochsPerRepeat": epochs_per_repeat,
        "warmupEpochs": warmup_epochs,
    }


def cpu_model() -> str:
    """The CPU's model name (Linux), else whatever the platform reports."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run_bench(args) -> None:
    seq_lens, d_models = args.bench_grid
    results = [bench_one(args, s, d) for s in seq_lens for d in d_models]
    print(json.dumps({
        "implementation": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpu": cpu_model(),
        "results": results,
        # peak resident set size of this process (Linux reports KiB)
        "maxRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


# --------------------------------------------------------------------------- #
# CLI
# --------------------------------------------------------------------------- #


def int_list(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentence", default=DEFAULT_SENTENCE)
    parser.add_argument("--focus-word", default=DEFAULT_FOCUS_WORD)
    parser.add_argument(
        "--size-words", default=list(DEFAULT_SIZE_WORDS),
        type=lambda s: [w.strip() for w in s.split(",") if w.strip()],
        help="comma-separated, e.g. elephant,car,too",
    )
    parser.add_argument("--d-model", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=0.001)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", action="store_true",
                        help="print the loss history, final weights and combined size weight as JSON")
    parser.add_argument("--init-json", metavar="FILE",
                        help="start from these parameters (the TypeScript CLI's --json "
                             "initialParameters layout) instead of seeded random ones")
    parser.add_argument("--float64", action="store_true",
                        help="train in double precision (for exact cross-checks)")
    parser.add_argument(
        "--bench-grid", nargs=2, metavar=("SEQS", "DMODELS"), type=int_list,
        help="benchmark mode: comma-separated seqLens and dModels, e.g. 13,128 4,16",
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--epochs-per-repeat", type=int, default=50)
    parser.add_argument("--warmup-ms", type=float, default=0,
                        help="keep warming up until this many milliseconds have passed")
    parser.add_argument(
        "--target-ms", type=float, default=None,
        help="choose the epochs per repeat so that a repeat takes about this long",
    )
    parser.add_argument("--min-epochs", type=int, default=3,
                        help="fewest epochs per repeat with --target-ms")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    if args.bench_grid:
        run_bench(args)
        return
    try:
        trainer = AttentionTrainer(
            args.sentence, args.focus_word, args.size_words,
            args.d_model, args.learning_rate,
        )
    except ValueError as error:
        raise SystemExit(f"error: {error}")
    if args.float64:
        trainer.model.double()
    if args.init_json:
        with open(args.init_json, encoding="utf-8") as file:
            trainer.load_parameters(json.load(file))
    history = trainer.train(args.epochs, verbose=not args.json)
    combined = trainer.analyze(verbose=not args.json)
    if args.json:
        print(json.dumps({
            "history": history,
            "weights": trainer.attention_weights(),
            "combinedSizeWeight": combined,
        }))


if __name__ == "__main__":
    main()
