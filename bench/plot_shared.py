"""Plots bench/results.json's shared_kv_rest_ms into bench/shared-latency.png."""

import json
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

here = pathlib.Path(__file__).parent
r = json.loads((here / "results.json").read_text())["shared_kv_rest_ms"]

fig, ax = plt.subplots(figsize=(7, 4.5))
for label, rows, style in (("Sparkport maps", r["ours"], "o-"), ("seed ShareableRdd (statements)", r["seed_shareable_rdd"], "s--")):
    for op, colour in (("get", "tab:blue"), ("set", "tab:orange")):
        pts = [(row["keys"], row[op]["p50"]) for row in rows if op in row and row[op]["n"]]
        if pts:
            xs, ys = zip(*pts)
            ax.plot(xs, ys, style, color=colour, label=f"{label} {op} p50")
    for row in rows:
        if "broken" in row:
            ax.axvline(row["keys"], color="red", alpha=0.4)
            ax.annotate("seed breaks", (row["keys"], ax.get_ylim()[1] if ax.get_ylim()[1] > 1 else 1), color="red", fontsize=8)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("keys in the shared store")
ax.set_ylabel("latency through REST, ms (p50)")
ax.set_title("Shared key/value latency: Sparkport maps vs the seed's ShareableRdd")
ax.axhline(2, color="grey", linestyle=":", label="target: 2 ms")
ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(here / "shared-latency.png", dpi=110)
print("wrote", here / "shared-latency.png")
