#!/usr/bin/env python
"""Render sprite scenes with Blender's Cycles (``bpy``), for ``scripts/bench_render.py``'s renderer comparison.

Runs under a Python that has ``bpy`` (a separate virtualenv: ``python3.11 -m venv .venv-bpy && .venv-bpy/bin/pip
install "bpy==4.5.*"``; bpy pins its own Python and numpy, so it stays out of the project's environment). Reads a
JSON list of scenes written by bench_render.py (parts as unit primitives with 4x4 matrices in Mitsuba's Y-up frame,
Mitsuba BSDF dictionaries, the HDR map and its rotation, camera origin / target / fov, size, samples) and writes, per
scene, OUT/ID.npy (float32 H x W x 4, linear RGB and alpha, straight) and OUT/cycles.json (seconds per render).

    .venv-bpy/bin/python scripts/render_cycles.py SCENES.json OUT_DIR --threads 2
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import bpy
import numpy as np
from mathutils import Matrix, Vector

# Mitsuba is Y up, Blender Z up: (x, y, z) -> (x, -z, y) keeps handedness
Y_TO_Z = Matrix(((1, 0, 0, 0), (0, 0, -1, 0), (0, 1, 0, 0), (0, 0, 0, 1)))


def _rgb(d: dict | None, default=(0.5, 0.5, 0.5)) -> tuple:
    v = (d or {}).get("value", default)
    return (*[float(x) for x in v], 1.0) if len(v) == 3 else tuple(v)


def material(name: str, bsdf: dict):
    """A Principled BSDF that matches a Mitsuba BSDF dictionary (roughplastic, roughconductor, dielectric, diffuse);
    GGX alpha is Blender's roughness squared."""
    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    p = mat.node_tree.nodes["Principled BSDF"]
    kind = bsdf.get("type")
    rough = math.sqrt(float(bsdf.get("alpha", 0.1)))
    if kind == "roughplastic":
        p.inputs["Base Color"].default_value = _rgb(bsdf.get("diffuse_reflectance"))
        p.inputs["Roughness"].default_value = rough
        p.inputs["IOR"].default_value = float(bsdf.get("int_ior", 1.49))
    elif kind == "roughconductor":
        tint = _rgb(bsdf.get("specular_reflectance"), (0.9, 0.9, 0.9))
        p.inputs["Base Color"].default_value = tuple(0.91 * c for c in tint[:3]) + (1.0,)  # aluminium
        p.inputs["Metallic"].default_value = 1.0
        p.inputs["Roughness"].default_value = rough
    elif kind == "dielectric":
        p.inputs["Base Color"].default_value = _rgb(bsdf.get("specular_transmittance"), (1, 1, 1))
        p.inputs["Transmission Weight"].default_value = 1.0
        p.inputs["Roughness"].default_value = 0.0
        p.inputs["IOR"].default_value = float(bsdf.get("int_ior", 1.5))
    else:  # diffuse (and anything else)
        p.inputs["Base Color"].default_value = _rgb(bsdf.get("reflectance"))
        p.inputs["Roughness"].default_value = 1.0
        p.inputs["Specular IOR Level"].default_value = 0.0
    return mat


def add_part(part: dict, mats: dict) -> None:
    shape = part["shape"]
    local = Matrix.Identity(4)
    if shape in ("box", "rbox"):  # a rounded box as a box: the comparison is about the renderer, not the mesh
        bpy.ops.mesh.primitive_cube_add(size=2)
    elif shape == "cylinder":  # camdetect's unit cylinder runs z 0..1; Blender's is centred
        bpy.ops.mesh.primitive_cylinder_add(vertices=48, radius=1, depth=1)
        local = Matrix.Translation((0, 0, 0.5))
    elif shape == "sphere":
        bpy.ops.mesh.primitive_uv_sphere_add(segments=48, ring_count=24, radius=1)
        bpy.ops.object.shade_smooth()
    else:  # disk
        bpy.ops.mesh.primitive_circle_add(vertices=48, radius=1, fill_type="NGON")
    obj = bpy.context.active_object
    obj.matrix_world = Y_TO_Z @ Matrix([list(r) for r in part["matrix"]]) @ local
    obj.data.materials.append(mats[part["material"]])


def setup(scene_spec: dict, threads: int) -> None:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    sc = bpy.context.scene
    sc.render.engine = "CYCLES"
    sc.cycles.device = "CPU"
    sc.cycles.samples = int(scene_spec["spp"])
    sc.cycles.use_denoising = False  # Mitsuba's sprites are not denoised either
    sc.cycles.max_bounces = 8
    sc.render.threads_mode = "FIXED"
    sc.render.threads = threads
    sc.render.resolution_x = sc.render.resolution_y = int(scene_spec["size"])
    sc.render.resolution_percentage = 100
    sc.render.film_transparent = True
    sc.render.image_settings.file_format = "OPEN_EXR"
    sc.render.image_settings.color_mode = "RGBA"
    sc.view_settings.view_transform = "Standard"
    world = bpy.data.worlds.new("world")
    sc.world = world
    world.use_nodes = True
    nt = world.node_tree
    env = nt.nodes.new("ShaderNodeTexEnvironment")
    env.image = bpy.data.images.load(scene_spec["hdri"])
    mapping = nt.nodes.new("ShaderNodeMapping")
    coord = nt.nodes.new("ShaderNodeTexCoord")
    mapping.inputs["Rotation"].default_value = (0.0, 0.0, math.radians(float(scene_spec["env_rot"])))
    nt.links.new(coord.outputs["Generated"], mapping.inputs["Vector"])
    nt.links.new(mapping.outputs["Vector"], env.inputs["Vector"])
    nt.links.new(env.outputs["Color"], nt.nodes["Background"].inputs["Color"])
    mats = {name: material(name, b) for name, b in scene_spec["materials"].items()}
    for part in scene_spec["parts"]:
        add_part(part, mats)
    cam_data = bpy.data.cameras.new("cam")
    cam_data.angle = math.radians(float(scene_spec["fov"]))
    cam = bpy.data.objects.new("cam", cam_data)
    sc.collection.objects.link(cam)
    origin = Y_TO_Z @ Vector(scene_spec["origin"])
    target = Y_TO_Z @ Vector(scene_spec["target"])
    cam.location = origin
    cam.rotation_euler = (target - origin).to_track_quat("-Z", "Y").to_euler()
    sc.camera = cam


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenes", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    timings = {}
    for spec in json.loads(a.scenes.read_text()):
        t0 = time.perf_counter()
        setup(spec, a.threads)
        t1 = time.perf_counter()
        path = a.out / f"{spec['id']}.exr"
        bpy.context.scene.render.filepath = str(path)
        bpy.ops.render.render(write_still=True)
        t2 = time.perf_counter()
        img = bpy.data.images.load(str(path))
        px = np.array(img.pixels[:], np.float32).reshape(img.size[1], img.size[0], 4)[::-1]  # bottom-up rows
        np.save(a.out / f"{spec['id']}.npy", px)
        timings[spec["id"]] = {"setup_s": round(t1 - t0, 3), "render_s": round(t2 - t1, 3)}
        print(f"{spec['id']}: render {t2 - t1:.2f} s", flush=True)
    (a.out / "cycles.json").write_text(json.dumps({"bpy": bpy.app.version_string, "threads": a.threads,
                                                   "timings": timings}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
