"""Which network to build when fine-tuning from a checkpoint, and a refusal when the checkpoint does not fit it.

ultralytics copies the tensors whose names and shapes match and drops the rest without a word. A checkpoint of
another width loaded into the recipe's network therefore trains a mostly random network under the checkpoint's
name: ``models/camdetect-wide.pt`` (camdetect-p2 at scale n) into the default recipe's scale t supplied 117 of
493 tensors, and ``yolo11n.pt`` (the documented way to start from COCO weights) 57 scalars. So the recipe's
model yaml is built at the checkpoint's scale when the recipe names none, and training stops with one line when
less than :data:`MIN_SHARE` of the network's tensors would load. Tensors, not parameters: a wrong width still
matches the detection head's fixed-size convolutions, which hold most of a small network's weights
(camdetect-wide.pt into scale t: 24 % of the tensors, 47 % of the parameters).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

MIN_SHARE = 0.5  # of tensors: yolo11n.pt into camdetect-p2 at scale n 60 % (its P2 neck and heads are new), a
# camdetect checkpoint at its own scale 100 %, at another 12-24 %


@dataclass(frozen=True)
class WeightsFit:
    """The scale to build ("" = the model yaml's first) and what of its network the checkpoint supplies."""

    scale: str
    share: float  # of the tensors (the criterion)
    param_share: float
    n_params: int
    adopted: bool  # True when ``scale`` is the checkpoint's, chosen because the recipe named none

    def line(self, weights: str) -> str:
        at = f" at scale {self.scale}" if self.scale else ""
        how = " (the checkpoint's scale; the recipe names none)" if self.adopted else ""
        return (f"weights: {weights} supply {self.share:.0%} of the tensors ({self.param_share:.0%} of the "
                f"{self.n_params / 1e6:.2f} M parameters) of the network{at}{how}")


def class_names(model) -> list[str]:
    """A network's (or ultralytics model's) class names as a list: ``names`` is a dict {index: name} or a list."""
    names = getattr(model, "names", None) or {}
    return [str(n) for n in (names.values() if isinstance(names, dict) else names)]


def loaded_share(model: Mapping, checkpoint: Mapping) -> tuple[float, float, int]:
    """Of ``model``'s state dict, what ``checkpoint`` has under the same name and shape: (share of the tensors,
    share of the parameters, parameters in all)."""
    hits = [k for k, v in model.items() if k in checkpoint and tuple(checkpoint[k].shape) == tuple(v.shape)]
    total = sum(int(v.numel()) for v in model.values())
    hit = sum(int(model[k].numel()) for k in hits)
    return (len(hits) / len(model) if model else 0.0), (hit / total if total else 0.0), total


def checkpoint_scale(model_yaml: Mapping) -> str:
    """The scale a checkpoint's network was built at: its yaml's ``scale``, else the first of its ``scales``
    (what ultralytics builds; camdetect lists the chosen scale first, see ``TrainConfig.model_yaml``)."""
    scales = model_yaml.get("scales") or {}
    return str(model_yaml.get("scale") or next(iter(scales), ""))


def fit_weights(weights: str, checkpoint: Mapping, checkpoint_yaml: Mapping, recipe_scale: str,
                recipe_scales: list[str], build: Callable[[str], Mapping]) -> WeightsFit:
    """Pick the scale to build for fine-tuning from ``weights`` (state dict ``checkpoint``); ``build(scale)``
    returns the recipe network's state dict at a scale. Raises ValueError (one line, naming the file) when the
    checkpoint fits neither the recipe's scale nor, where the recipe names none, its own."""
    share, params, n = loaded_share(build(recipe_scale), checkpoint)
    if share >= MIN_SHARE:
        return WeightsFit(recipe_scale, share, params, n, adopted=False)
    own = checkpoint_scale(checkpoint_yaml)
    if not recipe_scale and own and own in recipe_scales:
        fit = WeightsFit(own, *loaded_share(build(own), checkpoint), adopted=True)
        if fit.share >= MIN_SHARE:
            return fit
    hint = (f"pass --model-scale {own}" if own in recipe_scales and own != recipe_scale
            else "train with a recipe whose model is the checkpoint's")
    raise ValueError(f"{weights}: supplies only {share:.0%} of the tensors of the recipe's network"
                     f"{f' at scale {recipe_scale}' if recipe_scale else ''} (checkpoint built at scale "
                     f"{own or '?'}); {hint}")
