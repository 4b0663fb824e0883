"""3-D hands: the skinned WebXR generic-hand mesh (@webxr-input-profiles/assets 1.0.20, MIT;
fetched by training/fetch_hand_assets.sh into the ignored .data/hand-assets/), posed through its
25 joints in the poses of real hands, skinned (linear blend skinning), placed where hands go on
a face (fingers on a cheek, chin on the hand, a hand over the mouth, a hand in front of the face
or at the frame edge), rasterised with a z-buffer and supersampling (exact coverage alpha,
self-occlusion), lit to match the face's light, textured with real skin of the face itself or of
another face, with nails, skin creases, a forearm, contact shadows on the face and optional
motion blur. The creases (knuckle wrinkles on the back of the fingers, flexion creases across
their palm side at each joint, the palm's thenar and transverse creases; darker and redder, jittered
per hand) are computed per pixel from continuous per-vertex coordinates (position along the finger
in joint units, dorsal / palmar cosine, texture coordinates on the palm), prefiltered over the
pixel's footprint: sharp close up, faint sub-pixel lines at training scale.

  HandModel      the mesh with its joint chains, a forearm, nail, crease and texture coordinates
  crease_params  per-hand crease layout and depth; crease_map: their darkness per shaded pixel
  HandModel.pose joint angles -> posed joint world matrices; .skin -> posed vertices / normals
  rasterize      vectorised z-buffer rasteriser, supersampled
  render_hand    one posed hand through a camera -> (rgb, alpha, coverage stats)
  occ_hand3d     the occluder generator the sampler calls (like hands.occ_hand)
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .. import textures as T
from .composite import over
from .gltf import load_skinned_mesh
from .hands import contact_shadow
from .placement import Ctx

REPO = Path(__file__).resolve().parents[2]
ASSET_DIR = Path(os.environ.get("HAND_ASSETS", REPO / ".data" / "hand-assets")) / "generic-hand"
FINGERS = ("thumb", "index", "middle", "ring", "pinky")
_CHAIN = {"thumb": ["thumb-metacarpal", "thumb-phalanx-proximal", "thumb-phalanx-distal", "thumb-tip"]}
for _f in FINGERS[1:]:
    _CHAIN[_f] = [f"{_f}-finger-{s}" for s in ("metacarpal", "phalanx-proximal", "phalanx-intermediate",
                                                 "phalanx-distal", "tip")]


def asset_path(side: str) -> Path:
    return ASSET_DIR / f"{side}.glb"


def available() -> bool:
    return asset_path("left").is_file() and asset_path("right").is_file()


def require_assets() -> None:
    """Raises, naming the fetch command, when the meshes are absent: a bank, a training run or an
    evaluation that asks for 3-D hands must not get 2-D ones in their place unnoticed (banks grown
    that way differ from the documented ones, and hand3d scores would be 2-D hands' scores)."""
    if not available():
        raise FileNotFoundError(f"{ASSET_DIR}: the 3-D hand meshes are absent; fetch them with"
                                " `bash training/fetch_hand_assets.sh` (npm, 94 MB, once)")


def _unit(v):
    v = np.asarray(v, np.float64)
    return v / max(np.linalg.norm(v), 1e-12)


def axis_angle(axis, theta) -> np.ndarray:
    """4x4 rotation about a unit axis through the origin (Rodrigues)."""
    x, y, z = axis
    c, s, C = np.cos(theta), np.sin(theta), 1 - np.cos(theta)
    M = np.eye(4)
    M[:3, :3] = [[c + x * x * C, x * y * C - z * s, x * z * C + y * s],
                 [y * x * C + z * s, c + y * y * C, y * z * C - x * s],
                 [z * x * C - y * s, z * y * C + x * s, c + z * z * C]]
    return M


class HandModel:
    """One hand (left or right): the skinned mesh plus a forearm bound to a fixed 'forearm' joint,
    the joint chains with per-joint flexion / abduction axes, a canonical frame (finger direction,
    dorsal direction), per-vertex nail weight and skin texture coordinates."""

    def __init__(self, path, side: str):
        m = load_skinned_mesh(path)
        self.side = side
        self.mesh = m
        names = list(m.joint_names)
        G = m.joint_world.copy()
        J = len(names)
        # a fixed 'forearm' joint at the rest wrist: the forearm hangs on it, the hand turns at the wrist
        names.append("forearm")
        wi = names.index("wrist")
        G = np.concatenate([G, G[wi:wi + 1]], 0)
        ibm = np.concatenate([m.inverse_bind, np.linalg.inv(G[wi:wi + 1])], 0)
        self.names, self.jidx = names, {n: i for i, n in enumerate(names)}
        self.rest = G
        self.ibm = ibm
        self.parent = np.full(J + 1, -1, np.int64)
        self.parent[wi] = J
        for chain in _CHAIN.values():
            prev = wi
            for n in chain:
                self.parent[self.jidx[n]] = prev
                prev = self.jidx[n]
        order, seen = [], set()

        def visit(j):
            if j in seen:
                return
            if self.parent[j] >= 0:
                visit(self.parent[j])
            seen.add(j)
            order.append(j)

        for j in range(J + 1):
            visit(j)
        self.order = order
        self.local = np.stack([np.linalg.inv(G[self.parent[j]]) @ G[j] if self.parent[j] >= 0 else G[j]
                               for j in range(J + 1)])
        P = lambda n: G[self.jidx[n]][:3, 3]  # noqa: E731
        wrist = P("wrist")
        # canonical frame: finger direction, dorsal direction (away from the palm), side
        f = _unit(P("middle-finger-phalanx-proximal") - wrist)
        n = _unit(np.cross(P("index-finger-phalanx-proximal") - wrist, P("pinky-finger-phalanx-proximal") - wrist))
        knuckles = np.mean([P(f"{k}-finger-phalanx-proximal") for k in FINGERS[1:]], 0)
        palm_pt = (wrist + knuckles) / 2
        if np.dot(P("thumb-tip") - palm_pt, n) > 0:  # the rest thumb sits on the palm side
            n = -n
        dorsal = _unit(n - np.dot(n, f) * f)
        self.f, self.d = f, dorsal
        self.s = np.cross(f, dorsal)
        self.length = float(np.linalg.norm(P("middle-finger-tip") - wrist))
        thumb_side = _unit(P("index-finger-phalanx-proximal") - P("pinky-finger-phalanx-proximal"))
        palm = -dorsal
        # per joint: bone direction in its local frame, flexion and abduction axes (local)
        self.flex_axis = np.zeros((J + 1, 3))
        self.abd_axis = np.zeros((J + 1, 3))
        for j in range(J + 1):
            name = names[j]
            if name.endswith("tip") or name == "forearm":
                continue
            Rj = G[j][:3, :3]
            if name == "wrist":
                b = _unit(P("middle-finger-metacarpal") - wrist)
            else:
                child = next(c for c in range(J) if self.parent[c] == j)
                b = _unit(G[child][:3, 3] - G[j][:3, 3])
            if name.startswith("thumb"):
                toward_flex, toward_abd = _unit(-thumb_side + 0.6 * palm), palm
            else:
                toward_flex, toward_abd = palm, thumb_side
            # rotating b about cross(b, t) by +theta turns it toward t
            self.flex_axis[j] = Rj.T @ _unit(np.cross(b, toward_flex))
            self.abd_axis[j] = Rj.T @ _unit(np.cross(b, toward_abd - np.dot(toward_abd, b) * b))
        # vertices: the hand, then the forearm
        pos, nrm = m.positions.astype(np.float64), m.normals.astype(np.float64)
        jw = np.zeros((len(pos), J + 1), np.float64)
        np.add.at(jw, (np.repeat(np.arange(len(pos)), 4), m.joints.ravel()), m.weights.ravel())
        fa_pos, fa_nrm, fa_tri, fa_w = self._forearm(pos, wi, J)
        self.n_hand = len(pos)
        self.positions = np.concatenate([pos, fa_pos]).astype(np.float32)
        self.normals = np.concatenate([nrm, fa_nrm]).astype(np.float32)
        # the hand mesh ends in a lip and a cap at the wrist: the forearm replaces them
        arm_t = (pos - G[wi][:3, 3]) @ -self.f
        keep = arm_t[m.triangles].min(1) < arm_t.max() - 0.012
        self.triangles = np.concatenate([m.triangles[keep], fa_tri + len(pos)]).astype(np.int64)
        self.hand_triangles = m.triangles
        weights = np.concatenate([jw, fa_w])
        # sparse -> 4 influences per vertex (the mesh has at most 4)
        top = np.argsort(-weights, 1)[:, :4]
        tw = np.take_along_axis(weights, top, 1)
        self.skin_j, self.skin_w = top, (tw / tw.sum(1, keepdims=True)).astype(np.float64)
        # forearm coordinate (0 on the hand, metres along the arm) for sleeves
        arm_dir = -f
        self.arm_t = np.maximum(0.0, (self.positions - wrist) @ arm_dir).astype(np.float32)
        self.arm_t[: self.n_hand] = 0
        # skin texture coordinates: rest position in the palm plane, in hand lengths (no UV seams)
        rel = self.positions - palm_pt
        self.tex = np.stack([rel @ self.s, rel @ f], 1).astype(np.float32) / self.length
        self.nail = self._nails(G, palm).astype(np.float32)
        self._crease_coords(G, weights)

    def _forearm(self, pos, wi, J, n_seg=14, length=1.1):
        """A tapered tube (wrist, forearm, on to where the upper arm would be, so that it leaves the
        frame even for a small face) in the shape of the wrist's cross-section, starting inside the
        wrist end of the hand mesh, capped at the far end."""
        G = self.rest
        wrist = G[wi][:3, 3]
        f = _unit(G[self.jidx["middle-finger-phalanx-proximal"]][:3, 3] - wrist)
        arm = -f
        t = (pos - wrist) @ arm
        tm = t.max()
        ring = pos[(t > tm - 0.032) & (t < tm - 0.014)]  # the wrist before its lip and cap
        c = ring.mean(0) + arm * (tm - (ring.mean(0) - wrist) @ arm)  # on the wrist end plane
        rel = ring - ring.mean(0)
        rel -= np.outer(rel @ arm, arm)
        w, v = np.linalg.eigh(rel.T @ rel / len(rel))
        ax1, ax2 = v[:, 2], v[:, 1]
        # the wrist's own cross-section: per direction, the outermost ring vertex near it
        th = np.arctan2(rel @ ax2, rel @ ax1)
        rho = np.linalg.norm(rel, axis=1)
        ang = np.linspace(0, 2 * np.pi, n_seg, endpoint=False)
        dth = np.abs((th[None] - ang[:, None] + np.pi) % (2 * np.pi) - np.pi)
        rad = np.where(dth < 0.45, rho[None], 0).max(1)
        rad = np.maximum(rad, 0.5 * rad.max())
        rad = (rad + np.roll(rad, 1) + np.roll(rad, -1) + 3 * rad) / 6  # a little smoother
        ts = np.array([-0.03, -0.012, 0.01, 0.05, 0.12, 0.22, 0.3, 0.45, 0.6, 0.75, 0.9, length])
        grow = np.array([1.03, 1.04, 1.05, 1.1, 1.2, 1.28, 1.3, 1.35, 1.4, 1.45, 1.5, 1.5])
        P, N = [], []
        for tk, gk in zip(ts, grow):
            for a, r in zip(ang, rad):
                e = (np.cos(a) * ax1 + np.sin(a) * ax2) * r
                P.append(c + arm * tk + e * gk)
                N.append(_unit(e))
        P.append(c + arm * length)
        N.append(arm)
        P, N = np.array(P), np.array(N)
        tri = []
        R = len(ts)
        for r in range(R - 1):
            for k in range(n_seg):
                a0, a1 = r * n_seg + k, r * n_seg + (k + 1) % n_seg
                b0, b1 = a0 + n_seg, a1 + n_seg
                tri += [[a0, b0, a1], [a1, b0, b1]]
        cap = len(P) - 1
        for k in range(n_seg):
            tri.append([(R - 1) * n_seg + k, cap, (R - 1) * n_seg + (k + 1) % n_seg])
        tri = np.array(tri, np.int64)
        # orient outward (compare with the radial normals)
        v = P[tri]
        fn = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
        if np.mean(np.sum(fn * N[tri].mean(1), 1) > 0) < 0.5:
            tri = tri[:, ::-1]
        W = np.zeros((len(P), J + 1))
        W[:, J] = 1.0
        for r, ww in enumerate((1.0, 1.0, 0.5)):  # the rings inside the hand move with it
            W[r * n_seg:(r + 1) * n_seg, wi], W[r * n_seg:(r + 1) * n_seg, J] = ww, 1 - ww
        return P, N, tri, W

    def _nails(self, G, palm):
        """Nail weight per vertex: the dorsal side of each distal phalanx, toward its tip."""
        nail = np.zeros(len(self.positions))
        pos = self.positions[: self.n_hand].astype(np.float64)
        dom = self.skin_j[: self.n_hand, 0]
        for fg in FINGERS:
            dj, tj = self.jidx[_CHAIN[fg][-2]], self.jidx[_CHAIN[fg][-1]]
            sel = np.isin(dom, (dj, tj))
            if not sel.any():
                continue
            base, tip = G[dj][:3, 3], G[tj][:3, 3]
            ax = _unit(tip - base)
            L = np.linalg.norm(tip - base)
            rel = pos - base
            s = rel @ ax / L
            radial = rel - np.outer(rel @ ax, ax)
            r = np.linalg.norm(radial, axis=1)
            dors = radial @ (-palm) / np.maximum(r, 1e-9)  # cosine to the dorsal direction
            w = np.clip((s - 0.2) / 0.25, 0, 1) * np.clip((dors - 0.35) / 0.3, 0, 1)
            nail[: self.n_hand] = np.where(sel, np.maximum(nail[: self.n_hand], w), nail[: self.n_hand])
        return nail

    def _crease_coords(self, G, weights):
        """Per-vertex coordinates that skin creases are drawn from, per pixel, in render_hand (they
        are continuous over the mesh, so that their interpolation locates a line within a triangle):
        crease_u, the position along the finger in joint units (0 at the metacarpal joint, 1 at the
        knuckle (MCP), 2 at the PIP joint (thumb: IP), 3 at the DIP joint, + toward the tip), the
        skin-weighted mean of the (unclamped) positions along the bones that move the vertex;
        crease_len, metres per unit there (bone lengths, same weights); crease_dors, the cosine of
        the rest normal to the extension (dorsal) side of those bones (-1: the flexion side, where
        the palmar creases are); thumb_w, the skin weight on the thumb phalanges; palm_w, on the
        wrist and the metacarpals (where the palm creases are, drawn in texture coordinates)."""
        J1 = len(self.names)
        base, ax, L, idx = np.zeros((J1, 3)), np.zeros((J1, 3)), np.ones(J1), np.zeros(J1)
        dors = np.tile(self.d, (J1, 1))
        wi = self.jidx["wrist"]
        for chain in _CHAIN.values():
            for i, n in enumerate(chain):
                j = self.jidx[n]
                a, b = (j, self.jidx[chain[i + 1]]) if i + 1 < len(chain) else (self.jidx[chain[i - 1]], j)
                seg = G[b][:3, 3] - G[a][:3, 3]
                L[j] = np.linalg.norm(seg)
                base[j], ax[j], idx[j] = G[a][:3, 3], seg / L[j], min(i, len(chain) - 2)
                # rotating about the flexion axis turns the bone toward the flexion side: axis x bone
                fa = G[a][:3, :3] @ self.flex_axis[a]
                dors[j] = _unit(np.cross(ax[j], fa))
        mc = self.jidx["middle-finger-metacarpal"]
        for j in (wi, J1 - 1):  # the wrist (and the forearm joint): one unit before the metacarpals
            seg = G[mc][:3, 3] - G[wi][:3, 3]
            L[j] = np.linalg.norm(seg)
            base[j], ax[j], idx[j] = G[wi][:3, 3], seg / L[j], -1
        V = self.n_hand
        pos, nrm, w = self.positions[:V].astype(np.float64), self.normals[:V].astype(np.float64), weights[:V]
        u_all = idx[None] + np.einsum("vjc,jc->vj", pos[:, None] - base[None], ax) / L[None]
        u = np.full(len(self.positions), -1.0)
        ln = np.full(len(self.positions), L[wi])
        cd = np.zeros(len(self.positions))
        tw, pw = np.zeros(len(self.positions)), np.zeros(len(self.positions))
        u[:V], ln[:V] = (w * u_all).sum(1), w @ L
        cd[:V] = np.clip((w * (nrm @ dors.T)).sum(1), -1, 1)
        thumb = [self.jidx[n] for n in _CHAIN["thumb"][1:]]
        palm_j = [wi] + [self.jidx[_CHAIN[f][0]] for f in FINGERS]
        tw[:V], pw[:V] = w[:, thumb].sum(1), w[:, palm_j].sum(1)
        # how much one finger (with its metacarpal) moves the vertex: 1 over a knuckle, 1/2 in the
        # valley between two (so that the MCP wrinkles stay on the knuckles)
        fw = np.stack([w[:, [self.jidx[n] for n in _CHAIN[f]]].sum(1) for f in FINGERS] + [w[:, wi]], 1)
        pur = np.ones(len(self.positions))
        pur[:V] = (fw ** 2).sum(1) / np.maximum(fw.sum(1), 1e-9) ** 2
        self.finger_pure = pur.astype(np.float32)
        self.crease_u, self.crease_len, self.crease_dors = (a.astype(np.float32) for a in (u, ln, cd))
        self.thumb_w, self.palm_w = tw.astype(np.float32), pw.astype(np.float32)
        # all of them in one array, interpolated at once
        self.crease_attr = np.stack([self.crease_u, self.crease_len, self.crease_dors, self.thumb_w,
                                     self.finger_pure, self.palm_w], 1)
        # palm creases are drawn in texture coordinates mirrored so that the thumb side is +x
        self.tex_sign = float(np.sign(self.tex[self.jidx_vertex_near("thumb-tip")][0]))

    def jidx_vertex_near(self, name):
        """Index of the hand vertex nearest a rest joint."""
        p = self.rest[self.jidx[name]][:3, 3]
        return int(np.argmin(np.linalg.norm(self.positions[: self.n_hand] - p, axis=1)))

    # ------------------------------------------------------------------ posing and skinning
    def pose(self, flex: dict | None = None, abd: dict | None = None) -> np.ndarray:
        """Joint angles (radians, by joint name; flex > 0 curls toward the palm, abd > 0 turns
        toward the thumb side / for the thumb toward the palm) -> posed world matrices J x 4 x 4."""
        flex, abd = flex or {}, abd or {}
        out = np.empty_like(self.rest)
        for j in self.order:
            M = self.local[j]
            name = self.names[j]
            if name in flex or name in abd:
                M = (M @ axis_angle(self.abd_axis[j], abd.get(name, 0.0))
                     @ axis_angle(self.flex_axis[j], flex.get(name, 0.0)))
            out[j] = out[self.parent[j]] @ M if self.parent[j] >= 0 else M
        return out

    def skin(self, posed: np.ndarray):
        """Linear blend skinning -> (positions V x 3, normals V x 3) in mesh space."""
        S = posed @ self.ibm  # J x 4 x 4 (the mesh node is at the origin)
        M = np.einsum("vk,vkij->vij", self.skin_w, S[self.skin_j])
        p = np.einsum("vij,vj->vi", M[:, :3, :3], self.positions) + M[:, :3, 3]
        n = np.einsum("vij,vj->vi", M[:, :3, :3], self.normals)
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
        return p, n

    def joint_pos(self, posed, name):
        return posed[self.jidx[name]][:3, 3]


_MODELS: dict = {}


def model(side: str) -> HandModel:
    """The parsed hand of one side, cached per process (parsing takes ~20 ms)."""
    if side not in _MODELS:
        p = asset_path(side)
        if not p.is_file():
            raise FileNotFoundError(f"{p} absent: run bash training/fetch_hand_assets.sh")
        _MODELS[side] = HandModel(p, side)
    return _MODELS[side]


# ---------------------------------------------------------------------- poses of real hands
POSES = ("open", "spread", "relaxed", "fist", "point", "peace", "cup", "flat")
_D = np.pi / 180


def pose_angles(kind: str, rng, jitter=1.0):
    """Per-finger curl / spread of a named pose with random variation -> (flex, abd) dicts."""
    # (mcp, pip, dip) flexion in degrees, index .. pinky; spread in degrees between fingers
    fist = [(80, 95, 55)] * 4
    base = {
        "open": ([(8, 8, 5), (6, 8, 5), (8, 10, 6), (10, 12, 8)], 8, (5, 10, 5, 5)),
        "spread": ([(-5, 2, 2), (-5, 2, 2), (-4, 3, 2), (-3, 4, 3)], 20, (-10, -15, 0, 5)),
        "flat": ([(2, 4, 2)] * 4, 1, (0, 5, 5, 5)),
        "relaxed": ([(20, 30, 15), (25, 38, 18), (30, 42, 20), (35, 48, 24)], 5, (10, 15, 10, 15)),
        "fist": (fist, 0, (35, 40, 35, 35)),
        "point": ([(0, 3, 3)] + fist[1:], 0, (35, 40, 30, 30)),
        "peace": ([(0, 3, 3), (0, 3, 3)] + fist[2:], 14, (35, 40, 30, 30)),
        "cup": ([(35, 35, 20), (38, 38, 22), (40, 40, 22), (45, 42, 25)], 2, (5, 25, 15, 10)),
    }[kind]
    curls, spread, thumb = base
    flex, abd = {}, {}
    sd = 7 * jitter
    for k, fg in enumerate(FINGERS[1:]):
        ch = _CHAIN[fg]
        m, p, d = curls[k]
        flex[ch[1]] = (m + rng.normal(0, sd)) * _D
        flex[ch[2]] = max(-5, p + rng.normal(0, sd)) * _D
        flex[ch[3]] = max(-5, d + rng.normal(0, sd * 0.7)) * _D
        abd[ch[1]] = (spread + rng.normal(0, 3 * jitter)) * (1.2 - 0.8 * k) * _D  # index toward thumb, pinky away
    cmc_flex, cmc_abd, mcp, ip = thumb
    th = _CHAIN["thumb"]
    flex[th[0]] = (cmc_flex + rng.normal(0, sd)) * _D
    abd[th[0]] = (cmc_abd + rng.normal(0, sd)) * _D
    flex[th[1]] = (mcp + rng.normal(0, sd)) * _D
    flex[th[2]] = (ip + rng.normal(0, sd)) * _D
    flex["wrist"] = rng.normal(0, 12 * jitter) * _D
    abd["wrist"] = rng.normal(0, 8 * jitter) * _D
    return flex, abd


# ---------------------------------------------------------------------- camera and rasteriser
def look_rotation(f_model, d_model, f_cam, d_cam) -> np.ndarray:
    """Rotation taking the model's finger / dorsal directions onto the camera-space ones."""
    f_cam = _unit(f_cam)
    d_cam = _unit(d_cam - np.dot(d_cam, f_cam) * f_cam)
    A = np.stack([f_cam, d_cam, np.cross(f_cam, d_cam)], 1)
    B = np.stack([f_model, d_model, np.cross(f_model, d_model)], 1)
    return A @ B.T


_BOX_SIZES = np.array([1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048,
                       3072, 4096, 6144, 8192])


def rasterize(xy, z, tri, x0, y0, w, h, ss):
    """Z-buffered rasterisation of triangles `tri` (screen xy in output pixels, camera depth z > 0)
    into the window [x0, x0+w) x [y0, y0+h) with ss x ss samples per pixel (sample centres at
    ((j + 0.5) / ss, (i + 0.5) / ss)). Every sample inside a triangle (edges inclusive: no gaps
    between neighbours) keeps only its nearest triangle.
    -> (flat sample index, triangle index into tri, perspective-correct barycentrics n x 3),
    sorted by sample index."""
    W, H = w * ss, h * ss
    P = ((xy - np.array([x0, y0])) * ss - 0.5).astype(np.float64)
    a, b, c = P[tri[:, 0]], P[tri[:, 1]], P[tri[:, 2]]
    area = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    lo = np.maximum(np.ceil(np.minimum(np.minimum(a, b), c)).astype(np.int64), 0)
    hi = np.minimum(np.floor(np.maximum(np.maximum(a, b), c)).astype(np.int64), [W - 1, H - 1])
    ok = (np.abs(area) > 1e-9) & (hi[:, 0] >= lo[:, 0]) & (hi[:, 1] >= lo[:, 1])
    t_id = np.nonzero(ok)[0]
    if len(t_id) == 0:
        e = np.zeros(0, np.int64)
        return e, e, np.zeros((0, 3))
    a, b, c, area, lo, hi = a[ok], b[ok], c[ok], area[ok], lo[ok], hi[ok]
    # barycentric planes w_i = A_i x + B_i y + C_i (relative to the box corner), and 1/z
    inv = 1.0 / area
    E = np.empty((len(t_id), 12))
    for i, (p, q) in enumerate(((b, c), (c, a), (a, b))):
        A_ = (p[:, 1] - q[:, 1]) * inv
        B_ = (q[:, 0] - p[:, 0]) * inv
        E[:, 3 * i], E[:, 3 * i + 1] = A_, B_
        E[:, 3 * i + 2] = (p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0]) * inv + A_ * lo[:, 0] + B_ * lo[:, 1]
    tz = 1.0 / z[tri[t_id]]  # n x 3
    E[:, 9] = E[:, 0] * tz[:, 0] + E[:, 3] * tz[:, 1] + E[:, 6] * tz[:, 2]
    E[:, 10] = E[:, 1] * tz[:, 0] + E[:, 4] * tz[:, 1] + E[:, 7] * tz[:, 2]
    E[:, 11] = E[:, 2] * tz[:, 0] + E[:, 5] * tz[:, 1] + E[:, 8] * tz[:, 2]
    bw, bh = hi[:, 0] - lo[:, 0] + 1, hi[:, 1] - lo[:, 1] + 1
    # candidates: triangles grouped by the size of their box, each group's boxes evaluated as one
    # broadcast (m x BH x BW) array
    gi = np.searchsorted(_BOX_SIZES, bh) * len(_BOX_SIZES) + np.searchsorted(_BOX_SIZES, bw)
    order = np.argsort(gi, kind="stable")
    g_sorted = gi[order]
    cuts = np.flatnonzero(np.diff(g_sorted)) + 1
    E32 = E.astype(np.float32)
    parts = []
    for s0, s1 in zip(np.r_[0, cuts], np.r_[cuts, len(order)]):
        idx = order[s0:s1]
        BH, BW = _BOX_SIZES[g_sorted[s0] // len(_BOX_SIZES)], _BOX_SIZES[g_sorted[s0] % len(_BOX_SIZES)]
        e = E32[idx]
        xs = np.arange(BW, dtype=np.float32)[None, None, :]
        ys = np.arange(BH, dtype=np.float32)[None, :, None]
        w0 = e[:, 0, None, None] * xs + (e[:, 1, None, None] * ys + e[:, 2, None, None])
        w1 = e[:, 3, None, None] * xs + (e[:, 4, None, None] * ys + e[:, 5, None, None])
        ins = (w0 >= -1e-6) & (w1 >= -1e-6) & (w0 + w1 <= 1 + 1e-6)
        ins &= (xs < bw[idx, None, None]) & (ys < bh[idx, None, None])
        tl, yy, xx = np.nonzero(ins)
        parts.append((idx[tl], yy, xx, w0[ins], w1[ins]))
    k = np.concatenate([q[0] for q in parts])
    dy = np.concatenate([q[1] for q in parts]).astype(np.float32)
    dx = np.concatenate([q[2] for q in parts]).astype(np.float32)
    w0 = np.concatenate([q[3] for q in parts])
    w1 = np.concatenate([q[4] for q in parts])
    iz = E32[k, 9] * dx + E32[k, 10] * dy + E32[k, 11]
    pix = (lo[k, 1] + dy.astype(np.int64)) * W + lo[k, 0] + dx.astype(np.int64)
    # z-buffer: one sort on (sample, depth) keys; the nearest triangle of each sample comes first
    izn = (iz - iz.min()) / max(float(np.ptp(iz)), 1e-12)
    key = pix * (1 << 24) + ((1.0 - izn) * ((1 << 24) - 1)).astype(np.int64)
    o = np.argsort(key)
    ps = pix[o]
    first = np.ones(len(o), bool)
    first[1:] = ps[1:] != ps[:-1]
    o = o[first]
    k = k[o]
    w = np.stack([w0[o], w1[o], 1 - w0[o] - w1[o]], 1) * tz[k]
    w /= w.sum(1, keepdims=True)  # perspective-correct attribute weights
    return ps[first], t_id[k], w


def _sample_bilinear(img, u, v):
    """img HxWxC, float coordinates (pixels, clamped) -> n x C."""
    h, w = img.shape[:2]
    u = np.clip(u, 0, w - 1.001)
    v = np.clip(v, 0, h - 1.001)
    x0, y0 = u.astype(np.int64), v.astype(np.int64)
    fx, fy = (u - x0)[:, None], (v - y0)[:, None]
    return (img[y0, x0] * (1 - fx) * (1 - fy) + img[y0, x0 + 1] * fx * (1 - fy)
            + img[y0 + 1, x0] * (1 - fx) * fy + img[y0 + 1, x0 + 1] * fx * fy)


# ---------------------------------------------------------------------- skin creases
_NL = 5  # lines per joint and side at most
_MM = 1e-3
# palm creases in texture coordinates (hand lengths; x toward the thumb side, y toward the fingers):
# the distal transverse crease (from the little finger side to between the index and middle
# fingers), the proximal transverse crease and the thenar crease (both from the radial edge above
# the thumb, one across the palm, one around the ball of the thumb to the wrist)
_PALM_CREASES = (
    (np.array([[-0.175, 0.075], [-0.12, 0.09], [-0.06, 0.11], [0.0, 0.135], [0.045, 0.16], [0.075, 0.2]]), 0.6, 0.65),
    (np.array([[0.15, 0.12], [0.09, 0.09], [0.03, 0.06], [-0.03, 0.035], [-0.09, 0.01], [-0.13, -0.01]]), 0.6, 0.6),
    (np.array([[0.148, 0.115], [0.085, 0.07], [0.045, 0.0], [0.032, -0.07], [0.038, -0.15], [0.055, -0.23]]), 0.7, 0.75),
)


def crease_params(rng, strength=1.0):
    """Per-hand skin crease parameters (render_hand(creases=...)): per joint (finger / thumb x MCP,
    PIP, DIP) the offsets (metres from the joint, + toward the tip), half-widths and depths of the
    palmar flexion creases (the finger's base crease level with the webs, two close lines at the
    PIP joint, one or two at the DIP joint) and of the dorsal knuckle wrinkles (a few short, bowed,
    wavy lines of different lengths, subtler at the MCP knuckles); the palm creases' jittered,
    smoothed centre lines; the darkening (darker and redder: a fold of skin)."""
    z = lambda *sh: np.zeros(sh)  # noqa: E731
    P = dict(off=z(2, 4, _NL), uoff=z(2, 4), wid=np.ones((2, 4, _NL)), amp=z(2, 4, _NL))
    D = dict(off=z(2, 4, _NL), wid=np.ones((2, 4, _NL)), amp=z(2, 4, _NL), thr=z(2, 4, _NL))

    def lines(c, t, k, offs, wid, amp):
        n = len(offs)
        c["off"][t, k, :n] = (np.asarray(offs, np.float64) + rng.normal(0, 0.2, n)) * _MM
        c["wid"][t, k, :n] = wid * rng.uniform(0.8, 1.25, n) * _MM
        c["amp"][t, k, :n] = np.asarray(amp, np.float64) * rng.uniform(0.6, 1.15, n)

    def wrinkles(t, k, n, sp, centre, wid, amp):
        i = np.arange(n) - (n - 1) / 2
        lines(D, t, k, centre + i * sp, wid, amp * np.exp(-0.5 * (i / (0.45 * n)) ** 2))
        D["thr"][t, k, :n] = rng.uniform(0.4, 0.75, n)  # how far round the finger each line reaches

    # fingers: the base crease (where the finger leaves the palm: joint units), PIP, DIP
    P["uoff"][0, 1] = rng.uniform(0.46, 0.52)
    lines(P, 0, 1, [0, rng.uniform(1.8, 2.8)], 0.45, [0.85, 0.45 * rng.random()])
    sp, sh = rng.uniform(1.6, 2.6), rng.uniform(-1.2, 0.4)
    lines(P, 0, 2, [sh - sp / 2, sh + sp / 2], 0.38, [0.9, 0.75])
    lines(P, 0, 3, [rng.uniform(-1.2, -0.2), rng.uniform(0.9, 1.6)], 0.35, [0.85, 0.5 * (rng.random() < 0.4)])
    wrinkles(0, 1, 3, rng.uniform(1.8, 2.6), rng.uniform(0.5, 2.5), 0.3, 0.22)
    wrinkles(0, 2, int(rng.integers(4, 6)), rng.uniform(1.3, 2.0), rng.uniform(-1.0, 0.5), 0.26, 0.5)
    wrinkles(0, 3, 3, rng.uniform(1.0, 1.5), rng.uniform(-0.8, 0.2), 0.24, 0.4)
    # the thumb: one or two creases at the MCP and at the IP joint, wrinkles over both
    lines(P, 1, 1, [rng.uniform(0.5, 2.5), rng.uniform(3.5, 5.5)], 0.4, [0.8, 0.45])
    lines(P, 1, 2, [rng.uniform(-0.8, 0.4), rng.uniform(1.4, 2.4)], 0.4, [0.95, 0.5 * (rng.random() < 0.6)])
    wrinkles(1, 1, 3, rng.uniform(1.8, 2.6), rng.uniform(0.0, 2.0), 0.3, 0.25)
    wrinkles(1, 2, int(rng.integers(4, 6)), rng.uniform(1.3, 2.0), rng.uniform(-1.0, 0.5), 0.26, 0.5)
    P["amp"] *= rng.uniform(0.7, 1.2) * strength
    D["amp"] *= rng.uniform(0.6, 1.2) * strength
    # dorsal lines bow along the finger toward its sides and wave across it, each its own way
    D["bend"] = (rng.uniform(-1.0, 2.5) + rng.normal(0, 0.7, _NL)) * _MM
    D["wob_a"] = rng.uniform(0.1, 0.5, _NL) * _MM
    D["wob_k"] = 2 * np.pi / (rng.uniform(4, 9, _NL) * _MM)
    D["wob_ph"] = rng.uniform(0, 2 * np.pi, _NL)
    palm = []
    for pts, wid, amp in _PALM_CREASES:
        q = pts + rng.normal(0, 0.007, pts.shape) + rng.normal(0, 0.01, 2)
        palm.append((_smooth_polyline(q), wid * rng.uniform(0.8, 1.25) * _MM, amp * rng.uniform(0.6, 1.15) * strength))
    return dict(p=P, d=D, palm=palm, dark=rng.uniform(0.35, 0.55),
                tint=np.array([rng.uniform(0.55, 0.75), 1.0, rng.uniform(0.9, 1.0)], np.float32))


def _smooth_polyline(q, n=2):
    """Catmull-Rom spline through the points, n segments per span."""
    e = np.concatenate([2 * q[:1] - q[1:2], q, 2 * q[-1:] - q[-2:-1]])
    t = (np.arange(n) / n)[:, None, None]
    p0, p1, p2, p3 = e[None, :-3], e[None, 1:-2], e[None, 2:-1], e[None, 3:]
    c = 0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2 + (3 * p1 - p0 - 3 * p2 + p3) * t ** 3)
    return np.concatenate([c.transpose(1, 0, 2).reshape(-1, 2), q[-1:]])


def _line(d, wid, foot):
    """Profile of a crease line at distance d (metres) of half-width wid, prefiltered over the
    pixel footprint foot (metres): the same darkness integral, never thinner than a pixel."""
    sig2 = wid * wid + (0.5 * foot) ** 2
    return wid / np.sqrt(sig2) * np.exp(-0.5 * d * d / sig2)


def crease_map(hm: HandModel, c, attr, tex, foot):
    """Crease darkness per shaded pixel (0: none) from the interpolated crease coordinates
    (HandModel.crease_attr: u, len, dors, thumb_w, finger_pure, palm_w) and texture coordinates;
    foot: the pixel footprint in metres."""
    out = np.zeros(len(attr), np.float64)
    cd = attr[:, 2]
    # the pixels on a finger near a joint whose lines they may be on (kk: 1 MCP, 2 PIP, 3 DIP)
    fi = np.nonzero((attr[:, 0] > 0.65) & (attr[:, 0] < 3.65) & (attr[:, 4] > 0.65) & (np.abs(cd) > 0.05))[0]
    u, ln, cdf, tw = attr[fi, 0], attr[fi, 1], cd[fi], attr[fi, 3]
    kk = np.floor(u + 0.35).astype(np.int64)
    x = (u - kk) * ln  # metres from the joint along the finger
    # the base crease lies half a phalanx beyond the knuckle: the lines' window moves with it
    xs = x - np.where(kk == 1, (1 - tw) * c["p"]["uoff"][0, 1] + tw * c["p"]["uoff"][1, 1], 0) * ln
    lim = 1.5 * foot[fi]
    for side, c_, j in (("p", c["p"], np.nonzero((cdf < -0.05) & (np.abs(xs) < 0.007 + lim))[0]),
                        ("d", c["d"], np.nonzero((cdf > 0.4) & (np.abs(x) < 0.012 + lim))[0])):
        if not len(j):
            continue
        sel = fi[j]
        k = kk[j]
        t, d, ln_ = attr[sel, 3:4], cd[sel, None], attr[sel, 1:2]
        mix = lambda a: a[0, k] * (1 - t) + a[1, k] * t  # noqa: E731  finger / thumb
        off = mix(c_["off"])
        if side == "p":
            off = off + mix(c_["uoff"][..., None]) * ln_
            gate = np.clip((-d - 0.05) / 0.35, 0, 1)
        else:
            lat = tex[sel, :1] * hm.length  # across the finger, metres
            off = (off + c_["bend"] * (1 - d) / 0.6
                   + c_["wob_a"] * np.sin(c_["wob_k"] * lat + c_["wob_ph"]))
            gate = np.clip((d - mix(c_["thr"])) / 0.25, 0, 1)
        val = (mix(c_["amp"]) * gate * _line(x[j, None] - off, mix(c_["wid"]), foot[sel, None])).sum(1)
        out[sel] = val * np.clip((attr[sel, 4] - 0.65) / 0.25, 0, 1)
    pw = attr[:, 5]
    sel = np.nonzero((pw > 0.05) & (cd < -0.05))[0]
    if len(sel):
        p = np.stack([tex[sel, 0] * hm.tex_sign, tex[sel, 1]], 1).astype(np.float64)
        f = foot[sel]
        g = np.clip((pw[sel] - 0.05) / 0.4, 0, 1) * np.clip((-cd[sel] - 0.05) / 0.35, 0, 1)
        acc = np.zeros(len(sel))
        for q, wid, amp in c["palm"]:
            # only the pixels near the crease's box (its widest profile and the footprint)
            mg = (9 * wid + 2 * f) / hm.length
            i = np.nonzero(((p >= q.min(0) - mg[:, None]) & (p <= q.max(0) + mg[:, None])).all(1))[0]
            if not len(i):
                continue
            pi, ar = p[i], np.arange(len(i))
            a, ab = q[:-1], q[1:] - q[:-1]
            tt = np.clip(np.einsum("nsc,sc->ns", pi[:, None] - a[None], ab) / (ab * ab).sum(1), 0, 1)
            dist2 = (((a[None] + tt[..., None] * ab[None]) - pi[:, None]) ** 2).sum(2)
            m = np.argmin(dist2, 1)
            along = (m + tt[ar, m]) / len(ab)
            taper = np.clip(np.minimum(along, 1 - along) / 0.2, 0, 1) ** 0.7
            dist = np.sqrt(dist2[ar, m]) * hm.length
            # a dark core in a softer fold
            prof = 0.75 * _line(dist, wid, f[i]) + 0.25 * _line(dist, 3 * wid, f[i])
            acc[i] = np.maximum(acc[i], amp * taper * prof)
        out[sel] += acc * g
    return np.clip(out, 0, 1)


def render_hand(hm: HandModel, posed, R, t, focal, S, skin, light, ss=None, sleeve=None,
                ambient=0.4, nail_col=None, spec=0.08, max_samples=60_000, creases=None):
    """Render a posed hand: model -> camera x_c = R @ x + t (metres; camera at the origin looking
    along +z, image x right / y down), pinhole with `focal` px and the principal point at the
    frame centre, SxS frame. skin = (HxWx3 texture, px per hand length, (u0, v0)) sampled at the
    hand's texture coordinates; light: unit vector toward the light (camera space); sleeve =
    (arm distance in metres, colour) or None; nail_col: albedo -> nail albedo.
    Coverage is supersampled (ss x ss per pixel, 2..4 within max_samples); shading runs once
    per covered pixel at its nearest sample. -> (rgb SxSx3 straight colour, alpha SxS, info)."""
    p, n = hm.skin(posed)
    pc = p @ R.T + t
    nc = n @ R.T
    z = np.maximum(pc[:, 2], 1e-3)
    xy = focal * pc[:, :2] / z[:, None] + S / 2
    tri = hm.triangles
    v = pc[tri]
    fn = np.cross(v[:, 1] - v[:, 0], v[:, 2] - v[:, 0])
    front = np.einsum("ij,ij->i", fn, v[:, 0]) < 0  # facing the camera at the origin
    tri = tri[front & (v[:, :, 2].min(1) > 1e-3)]
    rgb = np.zeros((S, S, 3), np.float32)
    alpha = np.zeros((S, S), np.float32)
    info = {"pix": 0.0, "xy": xy, "cam": pc}
    if len(tri) == 0:
        return rgb, alpha, info
    txy = xy[tri]
    x0, y0 = [int(np.clip(np.floor(txy[:, :, i].min()), 0, S)) for i in (0, 1)]
    x1, y1 = [int(np.clip(np.ceil(txy[:, :, i].max()) + 1, 0, S)) for i in (0, 1)]
    w, h = x1 - x0, y1 - y0
    if w <= 0 or h <= 0:
        return rgb, alpha, info
    if ss is None:
        ss = int(np.clip(np.floor(np.sqrt(max_samples / max(w * h, 1))), 2, 4))
    spix, tid, bary = rasterize(xy, z, tri, x0, y0, w, h, ss)
    info.update(ss=ss, window=(x0, y0, w, h), samples=len(spix))
    if len(spix) == 0:
        return rgb, alpha, info
    W = w * ss
    sy, sx = spix // W, spix % W
    ppix = (sy // ss) * w + sx // ss
    cov = np.bincount(ppix, minlength=w * h).astype(np.float32) / (ss * ss)
    # one shading sample per covered pixel (the last covered sample in scan order)
    rep = np.full(w * h, -1, np.int64)
    rep[ppix] = np.arange(len(ppix))
    px = np.nonzero(rep >= 0)[0]
    r = rep[px]
    tv = tri[tid[r]]
    bw = bary[r]

    def interp(attr):
        if attr.ndim == 1:
            return np.einsum("nk,nk->n", attr[tv], bw)
        return np.einsum("nkc,nk->nc", attr[tv], bw)

    nrm = _unit_rows(interp(nc))
    pos = interp(pc)
    view = _unit_rows(-pos)
    # interpolated normals near the silhouette may turn away: bend them back toward the viewer
    nv = np.einsum("ij,ij->i", nrm, view)
    nrm = np.where(nv[:, None] < 0.05, _unit_rows(nrm + (0.05 - nv)[:, None] * view), nrm)
    tex = interp(hm.tex)
    img, scale, off = skin
    albedo = _sample_bilinear(img, tex[:, 0] * scale + off[0], tex[:, 1] * scale + off[1])
    if creases is not None:
        # the pixel footprint on the surface (metres), wider where the surface turns away
        foot = pos[:, 2] / focal / np.maximum(np.abs(np.einsum("ij,ij->i", nrm, view)), 0.3)
        cm = crease_map(hm, creases, interp(hm.crease_attr), tex, foot)
        albedo = albedo * (1 - (creases["dark"] * cm)[:, None] * creases["tint"]).astype(np.float32)
    nail = interp(hm.nail)[:, None]
    if nail_col is not None:
        albedo = albedo * (1 - nail) + nail_col(albedo) * nail
    if sleeve is not None:
        m = np.clip((interp(hm.arm_t)[:, None] - sleeve[0]) / 0.004, 0, 1)
        albedo = albedo * (1 - m) + np.asarray(sleeve[1], np.float32) * m
    light = np.asarray(light, np.float64)
    wrap = 0.35  # skin scatters light a little past the terminator

    def shade(ndl):
        return ambient + (1 - ambient) * np.clip((ndl + wrap) / (1 + wrap), 0, 1)

    # the skin texture is skin of a face photo, already lit as a surface facing the camera: shade
    # relative to that, so the hand matches the face where it faces the camera
    ref = shade(-light[2])
    half = _unit_rows(view + light[None])
    sp = np.clip(np.einsum("ij,ij->i", nrm, half), 0, 1) ** 24 * (spec + 0.3 * nail[:, 0])
    col = albedo * (shade(nrm @ light) / ref)[:, None] + sp[:, None]
    # cavities: a pixel much deeper than its surroundings (between curled fingers) gets less
    # light; silhouettes (where the surface turns away) are left alone
    depth = np.zeros(w * h, np.float32)
    depth[px] = pos[:, 2]
    covm = (rep >= 0).astype(np.float32).reshape(h, w)
    sig = max(0.7, 0.012 * focal * hm.length / max(float(np.median(pos[:, 2])), 1e-3))
    den = T.gaussian(covm, sig)
    mean_d = T.gaussian(depth.reshape(h, w) * covm, sig) / np.maximum(den, 1e-6)
    occl = np.clip((depth[px] - mean_d.reshape(-1)[px]) / (0.04 * hm.length), 0, 1)
    occl *= np.clip((den.reshape(-1)[px] - 0.8) / 0.15, 0, 1)
    col *= (1 - 0.3 * occl)[:, None]
    buf = np.zeros((w * h, 3), np.float32)
    buf[px] = np.clip(col, 0, 1)
    alpha[y0:y1, x0:x1] = cov.reshape(h, w)
    rgb[y0:y1, x0:x1] = buf.reshape(h, w, 3)
    info["pix"] = float(cov.sum())
    return rgb, alpha, info


def _unit_rows(v):
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)


# ---------------------------------------------------------------------- the occluder generator
def face_light(ctx: Ctx):
    """Direction toward the light that lit this face (camera space, output frame), from the
    brightness gradient of its skin; cached per face."""
    cache = ctx.bank.__dict__.setdefault("_hand3d_light", {})
    g = cache.get(ctx.idx)
    if g is None:
        lab, img = ctx.bank.labs[ctx.idx], ctx.bank.imgs[ctx.idx]
        ys, xs = np.nonzero(lab[::4, ::4] == 1)
        g = np.zeros(2, np.float32)
        if len(xs) > 30:
            lum = img[::4, ::4][ys, xs].astype(np.float32) @ np.array([0.3, 0.59, 0.11], np.float32) / 255
            fb = ctx.info["fb"]
            u = (xs * 4 - (fb[0] + fb[2]) / 2) / max(fb[2] - fb[0], 1)
            v = (ys * 4 - (fb[1] + fb[3]) / 2) / max(fb[3] - fb[1], 1)
            X = np.stack([np.ones_like(u), u, v], 1)
            coef = np.linalg.lstsq(X, lum, rcond=None)[0]
            g = (coef[1:] / max(coef[0], 0.05)).astype(np.float32)  # relative brightness change per face size
        cache[ctx.idx] = g
    gi = ctx.A @ g / max(ctx.scale, 1e-6)  # into the output frame (flip, roll)
    m = float(np.linalg.norm(gi))
    lat = np.clip(m / 0.5, 0, 1) * 1.3  # stronger gradient: light further to the side
    d2 = gi / m if m > 1e-6 else np.zeros(2)
    return np.array([d2[0] * lat, d2[1] * lat, -1.0])


def _skin_source(ctx: Ctx, rng, own_p, match_p):
    """Skin texture for a hand: the face's own cheek / forehead skin (own_p), or another face's,
    colour-matched to this face (match_p) or in its own tone; rarely a glove-like colour."""
    own = rng.random() < own_p
    d = ctx.idx if own else ctx.donor()
    di = ctx.info if own else ctx.bank.info[d]  # ctx.info: the face as composited (skin_tone)
    tex = di["skin_patch"].astype(np.float32) / 255
    if rng.random() < 0.5:
        tex = tex[:, ::-1]
    u = rng.random()
    if own:
        tex = tex * rng.uniform(0.95, 1.05)
    elif u < match_p:
        ti = ctx.info
        tex = (tex - di["skin_mean"]) / di["skin_std"] * ti["skin_std"] + ti["skin_mean"]
        tex = tex * rng.uniform(0.9, 1.08)
    elif u < match_p + 0.06:
        tex = tex * 0.25 + T.rand_color(rng) * 0.75
    else:
        tex = tex * rng.uniform(0.92, 1.08, 3)
    tex = np.clip(tex, 0, 1).astype(np.float32)
    scale = rng.uniform(70, 120)  # patch px per hand length
    off = np.array([64, 64], np.float32) + rng.uniform(-12, 12, 2)
    return (tex, scale, off), own


def _nail_fn(rng):
    if rng.random() < 0.1:  # painted nails
        c = T.rand_color(rng)
        return lambda a: np.broadcast_to(c, a.shape) * 0.9 + a * 0.1
    lift, gain = rng.uniform(0.06, 0.16), rng.uniform(1.0, 1.15)
    tint = np.array([1.0, 0.92, 0.92], np.float32)
    return lambda a: np.clip(a * gain * tint + lift, 0, 1)


# where hands go: (weight, poses with weights, touching the face)
PLACEMENTS = {
    "cheek": (0.25, {"spread": 0.35, "open": 0.25, "relaxed": 0.25, "flat": 0.15}, True),
    "chin": (0.2, {"cup": 0.45, "fist": 0.35, "relaxed": 0.2}, True),
    "mouth": (0.2, {"flat": 0.45, "relaxed": 0.35, "open": 0.2}, True),
    "front": (0.2, {"open": 0.25, "spread": 0.1, "relaxed": 0.2, "fist": 0.15, "point": 0.2, "peace": 0.1}, False),
    "edge": (0.15, {"open": 0.3, "relaxed": 0.3, "fist": 0.15, "point": 0.15, "peace": 0.1}, False),
}


def _pick(rng, d):
    keys = list(d)
    w = np.array([d[k] if not isinstance(d[k], tuple) else d[k][0] for k in keys], np.float64)
    return keys[int(rng.choice(len(keys), p=w / w.sum()))]


def _dir(v, deg):
    c, s = np.cos(deg * _D), np.sin(deg * _D)
    return np.array([c * v[0] - s * v[1], s * v[0] + c * v[1]])


def place_hand(ctx: Ctx, rng, where=None):
    """A placement of one hand relative to the face -> dict: where, pose, anchor (joint set whose
    mean lands on the target), target (px), finger direction in the image (unit 2-vector), tilt
    out of the image plane (deg, + = fingertips away from the camera), facing (-1: back of the
    hand to the camera, +1: palm), roll (deg), hand length (px), touching."""
    where = where or _pick(rng, PLACEMENTS)
    _w, poses, touching = PLACEMENTS[where]
    pose = _pick(rng, poses)
    up, right = -np.asarray(ctx.down, np.float64), np.asarray(ctx.right, np.float64)
    sd = 1.0 if rng.random() < 0.5 else -1.0
    fw, fh = max(ctx.fw, 8.0), max(ctx.fh, 8.0)
    facing, roll, tilt = -1.0, rng.normal(0, 15), rng.uniform(-10, 25)
    anchor = "palm"
    size = rng.uniform(0.88, 1.1)
    if where == "cheek":  # palm on the cheek / jaw, fingers up along the side of the face
        target = ctx.center + right * sd * rng.uniform(0.22, 0.45) * fw + ctx.down * rng.uniform(0.05, 0.35) * fh
        fdir = _dir(up, sd * rng.uniform(-25, 35) * (1 if right[0] >= 0 else -1))
        facing = -1.0 if rng.random() < 0.9 else 1.0
    elif where == "chin":
        if pose == "fist":  # chin on the knuckles
            anchor = "knuckles"
            target = ctx.center + ctx.down * rng.uniform(0.5, 0.62) * fh + right * rng.normal(0, 0.08) * fw
            fdir = _dir(up, rng.normal(0, 20))
            roll = rng.choice([-1, 1]) * rng.uniform(0, 70)
        else:  # hand cupping the chin: palm up under the chin, fingers along the jaw
            target = ctx.center + ctx.down * rng.uniform(0.45, 0.62) * fh + right * sd * rng.uniform(0.0, 0.2) * fw
            fdir = _dir(-sd * right, -sd * rng.uniform(10, 50) * (1 if right[0] >= 0 else -1))
            roll = rng.uniform(25, 70) * rng.choice([-1, 1])
    elif where == "mouth":  # across the mouth from one side
        anchor = "palm" if rng.random() < 0.5 else "knuckles"
        target = ctx.mouth + right * rng.normal(0, 0.06) * fw + ctx.down * rng.normal(0, 0.04) * fh
        fdir = _dir(-sd * right, -sd * rng.uniform(-10, 40) * (1 if right[0] >= 0 else -1))
    elif where == "front":  # in front of the face, nearer the camera
        target = ctx.face_point(dx=(-0.45, 0.45), dy=(-0.3, 0.6))
        fdir = _dir(up, rng.uniform(-60, 60))
        facing = -1.0 if rng.random() < 0.5 else 1.0
        size = rng.uniform(1.0, 1.35)
        tilt = rng.uniform(-30, 15)
    else:  # at the frame edge, partly out of the frame, reaching toward the face
        e = ctx.edge_point()
        target = e + (ctx.center - e) * rng.uniform(0.12, 0.35)
        fdir = _dir(ctx.center - target, rng.uniform(-35, 35))
        facing = -1.0 if rng.random() < 0.5 else 1.0
        size = rng.uniform(0.85, 1.5)
        tilt = rng.uniform(-30, 15)
    fdir = fdir / max(np.linalg.norm(fdir), 1e-9)
    return dict(where=where, pose=pose, anchor=anchor, target=np.asarray(target, np.float64), fdir=fdir,
                tilt=float(tilt), facing=float(facing), roll=float(roll), length_px=float(size * fh),
                touching=touching)


def _anchor_point(hm: HandModel, posed, anchor):
    if anchor == "knuckles":
        return np.mean([hm.joint_pos(posed, f"{f}-finger-phalanx-proximal") for f in FINGERS[1:]], 0)
    knuck = np.mean([hm.joint_pos(posed, f"{f}-finger-phalanx-proximal") for f in FINGERS[1:]], 0)
    return 0.55 * knuck + 0.45 * hm.joint_pos(posed, "wrist")


def draw_hand3d(ctx: Ctx, rng, where=None, side=None, skin=None, light=None, pl=None, angles=None,
                creases=1.0):
    """One 3-D hand placed on / in front of the face -> (rgb, alpha, placement dict); creases:
    the depth of its skin creases (crease_params' strength; 0: none, and no draw from rng)."""
    S = ctx.S
    side = side or ("left" if rng.random() < 0.5 else "right")
    hm = model(side)
    pl = pl or place_hand(ctx, rng, where)
    flex, abd = angles or pose_angles(pl["pose"], rng)
    posed = hm.pose(flex, abd)
    # the hand's own frame after the wrist turned (the forearm follows the rest frame)
    Rw = posed[hm.jidx["wrist"]][:3, :3] @ hm.rest[hm.jidx["wrist"]][:3, :3].T
    f_m, d_m = Rw @ hm.f, Rw @ hm.d
    tilt = pl["tilt"] * _D
    f_cam = np.array([pl["fdir"][0] * np.cos(tilt), pl["fdir"][1] * np.cos(tilt), np.sin(tilt)])
    d_cam = np.array([0.0, 0.0, pl["facing"]])
    d_cam = d_cam - np.dot(d_cam, f_cam) * f_cam
    d_cam = (axis_angle(_unit(f_cam), pl["roll"] * _D)[:3, :3] @ _unit(d_cam))
    # dorsal = +d: the back of the hand toward the camera means dorsal along -z
    R = look_rotation(f_m, d_m, f_cam, d_cam)
    Z0 = hm.length * rng.uniform(2.5, 6.0)
    focal = pl["length_px"] * Z0 / hm.length
    a_m = _anchor_point(hm, posed, pl["anchor"])
    a_c = np.array([(pl["target"][0] - S / 2) * Z0 / focal, (pl["target"][1] - S / 2) * Z0 / focal, Z0])
    t = a_c - R @ a_m
    if skin is None:
        skin, _own = _skin_source(ctx, rng, 0.5, 0.5)
    if light is None:
        light = face_light(ctx)
        light = _unit(light + rng.normal(0, 0.25, 3))
    sleeve = None
    if rng.random() < 0.5:
        sleeve = (rng.uniform(0.04, 0.2), T.rand_color(rng, "natural"))
    ambient, nail_col, spec = rng.uniform(0.3, 0.55), _nail_fn(rng), rng.uniform(0.02, 0.12)
    cp = crease_params(np.random.default_rng(rng.integers(1 << 62)), creases) if creases > 0 else None
    rgb, a, info = render_hand(hm, posed, R, t, focal, S, skin, light, sleeve=sleeve, ambient=ambient,
                               nail_col=nail_col, spec=spec, creases=cp)
    pl = dict(pl, side=side, info=info)
    return rgb, a, pl


def occ_hand3d(ctx: Ctx, rng, own_p=0.5, match_p=0.5, p_two=0.12, p_blur=0.12, creases=1.0):
    """One or two 3-D hands (see the module doc); hands that touch the face cast a contact shadow
    on it. Options come from the synth config's "hand3d" dict when the sampler passes it
    (creases: the depth of the knuckle wrinkles and flexion creases, 0 for none)."""
    require_assets()
    S = ctx.S
    a = np.zeros((S, S), np.float32)
    rgb = np.zeros((S, S, 3), np.float32)
    n = 2 if rng.random() < p_two else 1
    for _k in range(n):
        skin, _own = _skin_source(ctx, rng, own_p, match_p)
        col, ah, pl = draw_hand3d(ctx, rng, skin=skin, creases=creases)
        if pl["touching"]:
            ctx.add_shadow(contact_shadow(ah, pl["length_px"] / 2, rng))
        if rng.random() < 0.3:
            col, ah = T.soften(col, ah, rng.uniform(0.3, 1.0))
        if rng.random() < p_blur:
            col, ah = T.motion_blur_layer(col, ah, rng)
        rgb, a = over(col, ah, rgb, a)
    return rgb, a

