"""A minimal reader for binary glTF 2.0 (.glb) skinned meshes, numpy only: the JSON and BIN
chunks, accessors through their buffer views, the node hierarchy (TRS or matrix), one mesh
primitive (positions, normals, UVs, joints, weights, triangle indices) and its skin (joint
nodes, their rest-pose world matrices, inverse bind matrices)."""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass

import numpy as np

_COMPONENT = {5120: np.int8, 5121: np.uint8, 5122: np.int16, 5123: np.uint16, 5125: np.uint32, 5126: np.float32}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}


@dataclass
class SkinnedMesh:
    positions: np.ndarray        # V x 3 float32, bind pose (mesh space)
    normals: np.ndarray          # V x 3 float32
    uvs: np.ndarray | None       # V x 2 float32
    joints: np.ndarray           # V x 4 int (index into joint_names)
    weights: np.ndarray          # V x 4 float32, rows sum to 1
    triangles: np.ndarray        # T x 3 int32, counter-clockwise = outward
    joint_names: list            # J names
    joint_world: np.ndarray      # J x 4 x 4: rest-pose world matrix of each joint node
    inverse_bind: np.ndarray     # J x 4 x 4
    mesh_world: np.ndarray       # 4 x 4: world matrix of the mesh node


def quat_to_matrix(q) -> np.ndarray:
    """glTF quaternion (x, y, z, w) -> 3x3 rotation."""
    x, y, z, w = [float(v) for v in q]
    n = np.sqrt(x * x + y * y + z * z + w * w) or 1.0
    x, y, z, w = x / n, y / n, z / n, w / n
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def node_matrix(node: dict) -> np.ndarray:
    if "matrix" in node:
        return np.asarray(node["matrix"], np.float64).reshape(4, 4).T  # column-major
    M = np.eye(4)
    M[:3, :3] = quat_to_matrix(node.get("rotation", [0, 0, 0, 1])) @ np.diag(node.get("scale", [1, 1, 1]))
    M[:3, 3] = node.get("translation", [0, 0, 0])
    return M


def read_glb(path) -> tuple[dict, bytes]:
    """-> (glTF JSON, BIN chunk)."""
    data = open(path, "rb").read()
    magic, version, length = struct.unpack_from("<4sII", data, 0)
    if magic != b"glTF" or version != 2:
        raise ValueError(f"{path}: not a glTF 2 binary")
    off, doc, binary = 12, None, b""
    while off < min(length, len(data)):
        clen, ctype = struct.unpack_from("<I4s", data, off)
        chunk = data[off + 8: off + 8 + clen]
        if ctype == b"JSON":
            doc = json.loads(chunk)
        elif ctype == b"BIN\x00" and not binary:
            binary = chunk
        off += 8 + clen
    if doc is None:
        raise ValueError(f"{path}: no JSON chunk")
    return doc, binary


def accessor(doc: dict, binary: bytes, i: int) -> np.ndarray:
    """Accessor i as a count x width array (sparse accessors and external buffers unsupported)."""
    a = doc["accessors"][i]
    dt = np.dtype(_COMPONENT[a["componentType"]]).newbyteorder("<")
    width, count = _WIDTH[a["type"]], a["count"]
    if "bufferView" not in a:
        return np.zeros((count, width), dt)
    bv = doc["bufferViews"][a["bufferView"]]
    if bv.get("buffer", 0) != 0:
        raise ValueError("only the GLB's own buffer is supported")
    start = bv.get("byteOffset", 0) + a.get("byteOffset", 0)
    stride = bv.get("byteStride") or width * dt.itemsize
    if stride == width * dt.itemsize:
        out = np.frombuffer(binary, dt, count * width, start).reshape(count, width)
    else:  # interleaved
        rows = np.frombuffer(binary, np.uint8, stride * (count - 1) + width * dt.itemsize, start)
        out = np.lib.stride_tricks.as_strided(rows, (count, width * dt.itemsize), (stride, 1)).copy()
        out = out.view(dt).reshape(count, width)
    if a.get("normalized") and dt.kind in "iu":
        out = out.astype(np.float32) / np.iinfo(dt).max
    return np.array(out)


def world_matrices(doc: dict) -> list:
    """World matrix of every node through the scene hierarchy (nodes outside it: their own)."""
    nodes = doc.get("nodes", [])
    world = [None] * len(nodes)

    def visit(i, parent):
        world[i] = parent @ node_matrix(nodes[i])
        for c in nodes[i].get("children", []):
            visit(c, world[i])

    scene = doc.get("scenes", [{}])[doc.get("scene", 0)] if doc.get("scenes") else {}
    roots = scene.get("nodes") or [i for i in range(len(nodes))
                                   if not any(i in n.get("children", []) for n in nodes)]
    for r in roots:
        visit(r, np.eye(4))
    return [w if w is not None else node_matrix(nodes[i]) for i, w in enumerate(world)]


def load_skinned_mesh(path) -> SkinnedMesh:
    """The first skinned mesh node of a .glb (first primitive, triangles)."""
    doc, binary = read_glb(path)
    nodes = doc["nodes"]
    world = world_matrices(doc)
    mi = next(i for i, n in enumerate(nodes) if "mesh" in n and "skin" in n)
    node = nodes[mi]
    prim = doc["meshes"][node["mesh"]]["primitives"][0]
    if prim.get("mode", 4) != 4:
        raise ValueError("only triangle lists are supported")
    att = prim["attributes"]
    pos = accessor(doc, binary, att["POSITION"]).astype(np.float32)
    nrm = accessor(doc, binary, att["NORMAL"]).astype(np.float32) if "NORMAL" in att else None
    uv = accessor(doc, binary, att["TEXCOORD_0"]).astype(np.float32) if "TEXCOORD_0" in att else None
    jnt = accessor(doc, binary, att["JOINTS_0"]).astype(np.int32)
    wgt = accessor(doc, binary, att["WEIGHTS_0"]).astype(np.float32)
    wgt = wgt / np.maximum(wgt.sum(1, keepdims=True), 1e-8)
    if "indices" in prim:
        tri = accessor(doc, binary, prim["indices"]).reshape(-1, 3).astype(np.int32)
    else:
        tri = np.arange(len(pos), dtype=np.int32).reshape(-1, 3)
    if nrm is None:  # area-weighted vertex normals
        v = pos[tri]
        fn = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
        nrm = np.zeros_like(pos)
        for k in range(3):
            np.add.at(nrm, tri[:, k], fn)
        nrm /= np.maximum(np.linalg.norm(nrm, axis=1, keepdims=True), 1e-12)
    skin = doc["skins"][node["skin"]]
    joints = skin["joints"]
    if "inverseBindMatrices" in skin:
        ibm = accessor(doc, binary, skin["inverseBindMatrices"]).reshape(-1, 4, 4).transpose(0, 2, 1)
    else:
        ibm = np.tile(np.eye(4), (len(joints), 1, 1))
    return SkinnedMesh(positions=pos, normals=nrm.astype(np.float32), uvs=uv, joints=jnt, weights=wgt,
                       triangles=tri, joint_names=[nodes[j].get("name", f"joint{j}") for j in joints],
                       joint_world=np.stack([world[j] for j in joints]).astype(np.float64),
                       inverse_bind=ibm.astype(np.float64), mesh_world=world[mi].astype(np.float64))
