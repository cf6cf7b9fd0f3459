"""Draw a posed skeleton as a clothed, shaded mannequin with OpenCV, seen by a pinhole camera.

Every body part, garment and prop is a chain of small ellipsoids ("blobs") fixed to skeleton
nodes. Each frame, each blob's silhouette is found analytically (weak perspective: the outline
of an ellipsoid is an ellipse), neighbouring blobs are joined by their convex hull, and the parts
are painted back to front (painter's algorithm on camera depth). Shading is three nested tones
shifted towards a light from the upper left, and the far-side limbs are darker, as they are in
footage. All geometry for a whole clip is computed at once with numpy; the per-frame work is
only polygon filling, a few milliseconds for 640x480.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import cv2
import numpy as np

from formcheck.errors import ConfigError
from formcheck.synth.motions import Motion, Prop
from formcheck.synth.skeleton import NODE_INDEX, Skeleton

RGB = tuple[int, int, int]
_K = 18  # outline points per blob
_SHIFT = 4  # sub-pixel bits for anti-aliased polygons
_LIGHT = np.array([-0.5, -0.87])  # image direction towards the light (upper left)
# Nested shading layers: (outline scale, shift towards the light in blob radii, tone).
_LAYERS = ((1.0, 0.0, 0.66), (0.84, 0.12, 1.0), (0.5, 0.34, 1.14))


# ----------------------------------------------------------------------------- look and camera
@dataclass(frozen=True)
class Look:
    """Colours (RGB) and clothing of the figure."""

    skin: RGB = (224, 178, 148)
    hair: RGB = (62, 42, 30)
    shirt: RGB = (44, 108, 186)
    shorts: RGB = (46, 46, 56)
    shoes: RGB = (232, 232, 236)
    sole: RGB = (70, 70, 74)
    lips: RGB = (170, 90, 85)
    iris: RGB = (70, 50, 35)
    legwear: str = "shorts"  # or "leggings" (to the ankles)
    sleeves: str = "short"  # or "long"
    wall: RGB = (206, 202, 194)
    floor: RGB = (150, 128, 104)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Look:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


LOOKS: dict[str, Look] = {
    "blue": Look(),
    "red": Look(
        skin=(172, 122, 92),
        hair=(28, 22, 22),
        shirt=(188, 58, 52),
        shorts=(34, 34, 44),
        shoes=(44, 44, 50),
        sole=(225, 225, 225),
        floor=(92, 94, 100),
        wall=(214, 214, 210),
    ),
    "green": Look(
        skin=(238, 200, 172),
        hair=(196, 154, 88),
        shirt=(58, 148, 102),
        shorts=(52, 52, 76),
        shoes=(214, 84, 62),
        sole=(240, 240, 240),
        legwear="leggings",
        wall=(196, 204, 210),
    ),
    "dark": Look(
        skin=(112, 76, 56),
        hair=(22, 16, 16),
        shirt=(232, 232, 228),
        shorts=(40, 62, 112),
        shoes=(34, 34, 38),
        sole=(228, 228, 228),
        sleeves="long",
        floor=(120, 100, 82),
    ),
}


@dataclass(frozen=True)
class Camera:
    """A level-rolled pinhole camera.

    yaw_deg: where the camera stands around the person, from their facing direction (0: in
    front; 90: on their right, so they face image right; -90: on their left, facing image left;
    180: behind). pitch_deg: looking down (+) or up. The camera is ``distance_m`` from the
    ground point (target_x, target_z) horizontally, at ``height_m``. focal_mm is the 35 mm
    equivalent focal length (36 mm across the image width).
    """

    yaw_deg: float = 90.0
    pitch_deg: float = 5.0
    distance_m: float = 3.6
    height_m: float = 1.0
    focal_mm: float = 28.0
    target_x: float = 0.0
    target_z: float = 0.0

    def __post_init__(self) -> None:
        if not (self.distance_m > 0.2 and self.focal_mm > 1 and abs(self.pitch_deg) < 80):
            raise ConfigError(
                f"Camera needs distance_m > 0.2, focal_mm > 1 and |pitch_deg| < 80 (got {self}).",
                "e.g. Camera(yaw_deg=90, distance_m=3.5, focal_mm=28).",
            )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Camera:
        return cls(**data)

    def focal_px(self, width: int) -> float:
        return self.focal_mm / 36.0 * width

    def pose(self) -> tuple[np.ndarray, np.ndarray]:
        """Camera centre (3,) and rotation (3, 3) whose rows are image right, up and forward."""
        yaw, pitch = np.radians(self.yaw_deg), np.radians(self.pitch_deg)
        out = np.array([np.cos(yaw), 0.0, np.sin(yaw)])  # from the target towards the camera
        centre = np.array([self.target_x, self.height_m, self.target_z]) + self.distance_m * out
        fwd = -np.cos(pitch) * out + np.array([0.0, -np.sin(pitch), 0.0])
        right = np.cross(fwd, [0.0, 1.0, 0.0])
        right /= np.linalg.norm(right)
        up = np.cross(right, fwd)
        return centre, np.stack([right, up, fwd])

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """World points (..., 3) -> camera coordinates (x right, y up, z depth)."""
        centre, rot = self.pose()
        return (np.asarray(points, float) - centre) @ rot.T

    def project(self, points: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """World points (..., 3) -> pixel coordinates (..., 2) and depth (...) in metres."""
        cam = self.to_camera(points)
        w, h = size
        f = self.focal_px(w)
        z = np.maximum(cam[..., 2], 1e-3)
        px = np.stack([w / 2 + f * cam[..., 0] / z, h / 2 - f * cam[..., 1] / z], axis=-1)
        return px, cam[..., 2]

    @classmethod
    def fit(
        cls,
        points: np.ndarray,
        size: tuple[int, int] = (640, 480),
        yaw_deg: float = 90.0,
        pitch_deg: float = 5.0,
        focal_mm: float = 28.0,
        margin: float = 0.08,
    ) -> Camera:
        """The nearest camera at this yaw/pitch that keeps all ``points`` (…, 3) in frame.

        The camera is aimed at the middle of the points' bounding box and kept ``margin``
        (fraction of the image) away from every edge.
        """
        pts = np.asarray(points, float).reshape(-1, 3)
        pts = pts[np.all(np.isfinite(pts), axis=1)]
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        mid = 0.5 * (lo + hi)
        w, h = size

        def make(d: float) -> Camera:
            lift = mid[1] + d * np.tan(np.radians(pitch_deg))
            return cls(yaw_deg, pitch_deg, d, float(lift), focal_mm, float(mid[0]), float(mid[2]))

        def fits(d: float) -> bool:
            cam = make(d)
            if np.min(cam.to_camera(pts)[:, 2]) < 0.3:
                return False
            px, _ = cam.project(pts, size)
            return bool(
                px[:, 0].min() >= margin * w
                and px[:, 0].max() <= (1 - margin) * w
                and px[:, 1].min() >= margin * h
                and px[:, 1].max() <= (1 - margin) * h
            )

        near, far = 0.5, 60.0
        if not fits(far):
            raise ConfigError("Cannot fit the figure in frame.", "Use a smaller margin.")
        for _ in range(40):
            d = 0.5 * (near + far)
            near, far = (near, d) if fits(d) else (d, far)
        return make(far)


# ----------------------------------------------------------------------------- shape tables
@dataclass(frozen=True)
class Blob:
    """An ellipsoid fixed in a node's frame (metres at the 1.75 m reference height)."""

    node: str
    centre: tuple[float, float, float]
    radii: tuple[float, float, float]


def _sphere(node: str, centre: tuple[float, float, float], r: float) -> Blob:
    return Blob(node, centre, (r, r, r))


@dataclass
class Shape:
    """Blobs joined pairwise by convex hulls (a chain), painted in one colour role."""

    blobs: list[int]
    role: str  # key into the colour table, e.g. "skin", "shirt"
    chain: bool = True  # hull consecutive pairs; False: one hull of all blobs
    shaded: bool = True
    facing: tuple[str, tuple[float, float, float]] | None = None  # node, normal: draw if seen
    min_facing: float = 0.0


@dataclass
class Part:
    """Shapes painted together, ordered against other parts by their mean depth."""

    name: str
    shapes: list[Shape]
    anchors: list[int]  # blobs whose mean depth places the part
    side: str = ""  # "l"/"r": darkened when on the far side


@dataclass
class _Model:
    blobs: list[Blob] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)

    def add(self, blob: Blob) -> int:
        self.blobs.append(blob)
        return len(self.blobs) - 1

    def chain(self, blobs: list[Blob], role: str, **kw) -> Shape:
        return Shape([self.add(b) for b in blobs], role, **kw)


def _body_model(look: Look) -> _Model:
    """The mannequin as parts of blobs. Numbers are metres for a 1.75 m figure."""
    m = _Model()
    legs_role = "shorts" if look.legwear == "leggings" else "skin"
    arm_role = "shirt" if look.sleeves == "long" else "skin"
    for side, sz in (("l", -1.0), ("r", 1.0)):
        hip, knee, ankle, ball = f"hip_{side}", f"knee_{side}", f"ankle_{side}", f"ball_{side}"
        shoe = m.chain(
            [
                _sphere(ankle, (0.0, -0.005, 0.0), 0.042),
                _sphere(ankle, (-0.04, -0.035, 0.0), 0.034),
                _sphere(ankle, (0.06, -0.035, 0.0), 0.036),
                _sphere(ball, (0.0, 0.0, 0.0), 0.032),
                _sphere(ball, (0.045, -0.002, 0.0), 0.024),
            ],
            "shoes",
        )
        sole = m.chain(
            [
                _sphere(ankle, (-0.045, -0.058, 0.0), 0.012),
                _sphere(ball, (0.0, -0.02, 0.0), 0.013),
                _sphere(ball, (0.055, -0.017, 0.0), 0.009),
            ],
            "sole",
            shaded=False,
        )
        shank = m.chain(
            [
                _sphere(knee, (0.0, 0.0, 0.0), 0.052),
                _sphere(knee, (-0.016, -0.13, 0.0), 0.056),
                _sphere(knee, (-0.004, -0.3, 0.0), 0.038),
                _sphere(ankle, (0.0, 0.01, 0.0), 0.033),
            ],
            legs_role,
        )
        thigh = m.chain(
            [
                _sphere(hip, (0.0, -0.17, 0.004 * sz), 0.074),
                _sphere(knee, (0.004, 0.0, 0.0), 0.055),
            ],
            legs_role,
        )
        short_leg = m.chain(
            [
                _sphere(hip, (-0.005, 0.0, 0.01 * sz), 0.088),
                _sphere(hip, (0.0, -0.2, 0.006 * sz), 0.078),
            ],
            "shorts",
        )
        shapes = [shoe, sole, shank, thigh, short_leg]
        m.parts.append(Part(f"leg_{side}", shapes, shank.blobs + thigh.blobs, side))

        sh, el, wr = f"shoulder_{side}", f"elbow_{side}", f"wrist_{side}"
        hand = m.chain(
            [
                _sphere(wr, (0.0, 0.0, 0.0), 0.026),
                _sphere(wr, (0.003, -0.06, 0.0), 0.036),
                _sphere(wr, (0.0, -0.135, 0.0), 0.022),
            ],
            "skin",
        )
        thumb = m.chain(
            [_sphere(wr, (0.02, -0.03, 0.0), 0.016), _sphere(wr, (0.04, -0.06, 0.0), 0.013)],
            "skin",
        )
        forearm = m.chain(
            [
                _sphere(el, (0.0, 0.0, 0.0), 0.039),
                _sphere(el, (0.004, -0.07, 0.0), 0.042),
                _sphere(wr, (0.0, 0.01, 0.0), 0.028),
            ],
            arm_role,
        )
        upper = m.chain(
            [
                _sphere(sh, (0.0, -0.12, 0.0), 0.047),
                _sphere(el, (0.0, 0.0, 0.0), 0.04),
            ],
            arm_role,
        )
        sleeve = m.chain(
            [
                _sphere(sh, (0.0, 0.0, 0.0), 0.06),
                _sphere(sh, (0.0, -0.15, 0.0), 0.053),
            ],
            "shirt",
        )
        shapes = [hand, thumb, forearm, upper, sleeve]
        m.parts.append(Part(f"arm_{side}", shapes, forearm.blobs + upper.blobs, side))

    # Torso: flat elliptical rings on the spine nodes (x: depth, z: width); the hull of
    # neighbouring rings follows the spine's curve, so a rounded back shows in the outline.
    def ring(node: str, y: float, x: float, half_w: float, half_d: float) -> Blob:
        return Blob(node, (x, y, 0.0), (half_d, 0.004, half_w))

    shorts = m.chain(
        [
            ring("pelvis", -0.07, -0.012, 0.15, 0.095),
            ring("pelvis", 0.0, -0.018, 0.165, 0.108),
            ring("sacrum", -0.02, -0.004, 0.152, 0.098),
            ring("sacrum", 0.03, 0.004, 0.145, 0.093),
        ],
        "shorts",
    )
    shirt = m.chain(
        [
            ring("sacrum", 0.02, 0.004, 0.15, 0.096),
            ring("l3", 0.0, 0.008, 0.14, 0.09),
            ring("t12", 0.0, 0.012, 0.148, 0.1),
            ring("t8", 0.0, 0.02, 0.162, 0.113),
            ring("t4", 0.0, 0.018, 0.172, 0.108),
            ring("t4", 0.075, 0.006, 0.165, 0.088),
            ring("c7", 0.005, 0.012, 0.075, 0.06),
        ],
        "shirt",
    )
    m.parts.append(Part("torso", [shorts, shirt], shorts.blobs + shirt.blobs))

    # Head: neck, skull and jaw, hair, ears and a face whose features show when they face us.
    neck = m.chain(
        [_sphere("c7", (0.012, 0.0, 0.0), 0.056), _sphere("head", (0.0, 0.01, 0.0), 0.052)],
        "skin",
    )
    skull = m.chain(
        [
            Blob("head", (0.0, 0.075, 0.0), (0.1, 0.113, 0.079)),
            Blob("head", (0.045, 0.008, 0.0), (0.058, 0.052, 0.058)),
        ],
        "skin",
        chain=False,
    )
    # Hair: a cap behind the skull (shows round the top and back), a top cap over it, and
    # over the whole back of the head when that is what the camera sees.
    under = m.chain([Blob("head", (-0.012, 0.088, 0.0), (0.104, 0.118, 0.084))], "hair")
    top = m.chain([Blob("head", (-0.015, 0.135, 0.0), (0.094, 0.05, 0.082))], "hair")
    over = m.chain(
        [Blob("head", (-0.012, 0.088, 0.0), (0.104, 0.118, 0.084))],
        "hair",
        facing=("head", (-1.0, 0.0, 0.0)),
        min_facing=0.35,
    )
    shapes = [neck, under, skull]
    for sz in (-1.0, 1.0):
        shapes.append(
            m.chain(
                [Blob("head", (-0.006, 0.062, 0.076 * sz), (0.018, 0.03, 0.008))],
                "skin",
                facing=("head", (0.0, 0.0, sz)),
                min_facing=-0.25,
            )
        )
    shapes += [over, top]
    for sz in (-1.0, 1.0):
        out = (0.94, 0.0, 0.34 * sz)
        shapes += [
            m.chain(
                [Blob("head", (0.087, 0.072, 0.032 * sz), (0.003, 0.0075, 0.0125))],
                "eye_white",
                shaded=False,
                facing=("head", out),
                min_facing=0.05,
            ),
            m.chain(
                [Blob("head", (0.091, 0.072, 0.03 * sz), (0.003, 0.0065, 0.0065))],
                "iris",
                shaded=False,
                facing=("head", out),
                min_facing=0.05,
            ),
            m.chain(
                [Blob("head", (0.093, 0.09, 0.032 * sz), (0.003, 0.003, 0.015))],
                "hair",
                shaded=False,
                facing=("head", out),
                min_facing=0.05,
            ),
        ]
    shapes += [
        m.chain(
            [Blob("head", (0.09, -0.004, 0.0), (0.004, 0.004, 0.021))],
            "lips",
            shaded=False,
            facing=("head", (1.0, 0.0, 0.0)),
            min_facing=0.1,
        ),
        m.chain(
            [
                _sphere("head", (0.099, 0.062, 0.0), 0.011),
                _sphere("head", (0.111, 0.033, 0.0), 0.013),
            ],
            "nose",
            facing=("head", (1.0, 0.0, 0.0)),
            min_facing=-0.2,
        ),
    ]
    m.parts.append(Part("head", shapes, skull.blobs))
    return m


# ----------------------------------------------------------------------------- geometry
def _silhouettes(
    centres: np.ndarray, rots: np.ndarray, radii: np.ndarray, camera: Camera, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Image outlines of ellipsoids.

    centres (T, B, 3) world, rots (T, B, 3, 3) their axes, radii (B, 3).
    Returns outline (T, B, K, 2) px, centre (T, B, 2) px, size (T, B) px, depth (T, B) m.
    """
    cam_c, cam_r = camera.pose()
    c = (centres - cam_c) @ cam_r.T
    w, h = size
    f = camera.focal_px(w)
    z = np.maximum(c[..., 2], 0.05)
    centre_px = np.stack([w / 2 + f * c[..., 0] / z, h / 2 - f * c[..., 1] / z], axis=-1)
    # Ellipsoid matrix in camera axes, then its orthographic outline (Schur complement).
    axes = np.einsum("ij,tbjk->tbik", cam_r, rots)  # (T, B, 3, 3)
    inv_r2 = 1.0 / np.maximum(radii, 1e-4) ** 2
    mat = np.einsum("tbik,bk,tbjk->tbij", axes, inv_r2, axes)
    a11 = mat[..., :2, :2]
    a12 = mat[..., :2, 2]
    sil = a11 - np.einsum("tbi,tbj->tbij", a12, a12) / mat[..., 2, 2][..., None, None]
    vals, vecs = np.linalg.eigh(sil)
    semi = 1.0 / np.sqrt(np.maximum(vals, 1e-12))  # (T, B, 2)
    theta = np.linspace(0.0, 2 * np.pi, _K, endpoint=False)
    unit = np.stack([np.cos(theta), np.sin(theta)])  # (2, K)
    pts = np.einsum("tbij,tbj,jk->tbki", vecs, semi, unit)  # metres, camera x/y
    scale = (f / z)[..., None, None]
    outline = centre_px[:, :, None, :] + scale * pts * np.array([1.0, -1.0])
    return outline, centre_px, semi.max(axis=-1) * f / z, c[..., 2]


def _tones(rgb: RGB, factor: float = 1.0) -> list[tuple[float, float, float]]:
    base = np.asarray(rgb, float) * factor
    return [tuple(np.clip(base * t + (t > 1) * 10, 0, 255).tolist()) for _, _, t in _LAYERS]


# ----------------------------------------------------------------------------- props
def _grip(sk: Skeleton) -> np.ndarray:
    return 0.5 * (sk.point("grip_l") + sk.point("grip_r"))


def _bar_centre(prop: Prop, grip: np.ndarray) -> np.ndarray:
    """(T, 3) bar centre: at the hands, left where it was from a ``release_frame`` on."""
    release = prop.params.get("release_frame")
    if release is None:
        return grip
    centre = grip.copy()
    centre[int(release) :] = grip[int(release)]
    return centre


def bar_centre(motion: Motion) -> np.ndarray | None:
    """(T, 3) world position of the barbell's centre as rendered (None without a barbell).

    The bar is at the hands' grip point, except after the lifter lets go of it (the prop's
    ``release_frame``): from that frame on it stays where it was set down.
    """
    for prop in motion.props:
        if prop.kind == "barbell":
            return _bar_centre(prop, _grip(motion.skeleton))
    return None


def _prop_parts(motion: Motion, model: _Model) -> list[tuple[Part, np.ndarray, np.ndarray]]:
    """Props as parts whose blobs are placed directly in the world (centres, rotations)."""
    sk = motion.skeleton
    n = len(sk)
    grip = _grip(sk)
    out = []
    eye = np.broadcast_to(np.eye(3), (n, 3, 3))
    for prop in motion.props:
        if prop.kind == "barbell":
            plate_r = prop.params.get("plate_diameter_m", 0.45) / 2
            bar = _bar_centre(prop, grip)
            # The bar runs along world z; pieces so each sorts by its own depth.
            edges = [-1.1, -0.79, -0.655, -0.3, 0.3, 0.655, 0.79, 1.1]
            for a, b in zip(edges[:-1], edges[1:], strict=True):
                sleeve = abs(a) >= 0.655 and abs(b) >= 0.655
                r = 0.025 if sleeve else 0.0145
                blobs = [(bar + [0, 0, z], (r, r, r)) for z in np.linspace(a, b, 3)]
                out.append(_world_part(model, f"bar{a:+.2f}", blobs, "steel", eye))
            for sz in (-1.0, 1.0):
                z0, z1 = 0.665 * sz, 0.735 * sz
                disc = [(bar + [0, 0, z], (plate_r, plate_r, 0.003)) for z in (z0, z1)]
                out.append(_world_part(model, f"plate{sz:+.0f}", disc, "plate", eye))
                # Steel hubs on both faces; depth order shows the one facing the camera.
                for z, face in ((z1 + 0.004 * sz, "out"), (z0 - 0.004 * sz, "in")):
                    hub = [(bar + [0, 0, z], (0.06, 0.06, 0.002))]
                    out.append(_world_part(model, f"hub{face}{sz:+.0f}", hub, "steel", eye))
        elif prop.kind == "kettlebell":
            kg = prop.params.get("bell_kg", 16.0)
            r = 0.105 * (kg / 16.0) ** (1 / 3)
            shoulders = 0.5 * (sk.point("shoulder_l") + sk.point("shoulder_r"))
            u = grip - shoulders
            u /= np.linalg.norm(u, axis=1, keepdims=True)
            body = grip + u * (0.05 + r)
            blobs = [(body, (r, r, r)), (body + u * 0.35 * r, (0.8 * r, 0.8 * r, 0.8 * r))]
            out.append(_world_part(model, "bell", blobs, "iron", eye, chain=False))
            th = np.linspace(0, np.pi, 9)
            handle = [
                (grip + u * (0.065 * (1 - np.sin(a))) + [0, 0, 0.072 * np.cos(a)], (0.013,) * 3)
                for a in th
            ]
            out.append(_world_part(model, "handle", handle, "iron", eye))
        elif prop.kind == "belt":
            # A belt squat's load: a bell hanging on a short chain from a belt at the hips,
            # between the thighs (the machine itself is not drawn).
            kg = prop.params.get("bell_kg", 24.0)
            r = 0.105 * (kg / 16.0) ** (1 / 3)
            pelvis = 0.5 * (sk.point("hip_l") + sk.point("hip_r"))
            bell = pelvis + np.array([0.04, -0.30 - r, 0.0])
            chain = [(pelvis + np.array([0.04, -y, 0.0]), (0.01,) * 3) for y in (0.1, 0.2, 0.28)]
            out.append(_world_part(model, "chain", chain, "steel", eye))
            blobs = [(bell, (r, r, r)), (bell + [0.0, 0.35 * r, 0.0], (0.8 * r,) * 3)]
            out.append(_world_part(model, "bell", blobs, "iron", eye, chain=False))
        else:
            raise ConfigError(
                f"Unknown prop {prop.kind!r}.", "Use 'barbell', 'kettlebell' or 'belt'."
            )
    return out


def _world_part(
    model: _Model,
    name: str,
    blobs: list[tuple[np.ndarray, tuple[float, float, float]]],
    role: str,
    rot: np.ndarray,
    chain: bool = True,
) -> tuple[Part, np.ndarray, np.ndarray]:
    idx = [model.add(Blob("", (0.0, 0.0, 0.0), radii)) for _, radii in blobs]
    shape = Shape(idx, role, chain=chain)
    centres = np.stack([c for c, _ in blobs], axis=1)
    return Part(name, [shape], idx), centres, np.broadcast_to(rot[:, None], centres.shape + (3,))


def scene_points(motion: Motion) -> np.ndarray:
    """(T, N, 3) points that must stay in frame: the skeleton, head top and prop extremes."""
    sk = motion.skeleton
    pts = [sk.pos, sk.local_to_world("head", np.array([[0.0, 0.2, 0.0]]))]
    grip = _grip(sk)
    for prop in motion.props:
        if prop.kind == "barbell":
            r = prop.params.get("plate_diameter_m", 0.45) / 2
            bar = _bar_centre(prop, grip)
            ring = [(r * np.cos(a), r * np.sin(a), z) for a in np.linspace(0, 2 * np.pi, 9)
                    for z in (-0.74, 0.74)]  # fmt: skip
            pts.append(bar[:, None, :] + np.asarray(ring)[None])
        elif prop.kind == "kettlebell":
            shoulders = 0.5 * (sk.point("shoulder_l") + sk.point("shoulder_r"))
            u = grip - shoulders
            u /= np.linalg.norm(u, axis=1, keepdims=True)
            pts.append((grip + 0.28 * u)[:, None, :])
    return np.concatenate(pts, axis=1)


# ----------------------------------------------------------------------------- background
def background(camera: Camera, size: tuple[int, int], look: Look, seed: int = 0) -> np.ndarray:
    """A wall with a soft vertical gradient and a floor meeting it 3 m behind the target.

    Low-frequency noise keeps it from being perfectly flat (as real walls and floors are not).
    """
    w, h = size
    rng = np.random.default_rng(seed)
    _, rot = camera.pose()
    back = np.array([camera.target_x, 0.0, camera.target_z]) - 3.0 * np.array(
        [np.cos(np.radians(camera.yaw_deg)), 0.0, np.sin(np.radians(camera.yaw_deg))]
    )
    px, depth = camera.project(back, size)
    line = int(np.clip(px[1], 0, h)) if depth > 0 else 0
    rows = np.arange(h, dtype=np.float32)[:, None, None]
    wall = np.asarray(look.wall, np.float32) * (1.04 - 0.12 * rows / h)
    floor_shade = 0.82 + 0.22 * np.clip((rows - line) / max(h - line, 1), 0, 1)
    floor = np.asarray(look.floor, np.float32) * floor_shade
    img = np.where(rows < line, wall, floor) * np.ones((1, w, 1), np.float32)
    noise = rng.normal(0, 1, (h // 16 + 2, w // 16 + 2)).astype(np.float32)
    noise = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
    fine = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.2)
    img += (5.0 * noise + 3.0 * fine)[..., None]
    if 0 < line < h:  # skirting board
        board = max(2, int(0.012 * h))
        img[max(line - board, 0) : line] = np.asarray(look.wall, np.float32) * 0.8
    return np.clip(img, 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- renderer
def _shadow_points(sk: Skeleton) -> np.ndarray:
    names = ["pelvis", "t8", "c7", "skull"] + [
        f"{p}_{s}" for p in ("knee", "ankle", "toe", "elbow", "wrist") for s in "lr"
    ]
    pts = np.stack([sk.point(nm) for nm in names], axis=1).copy()
    pts[..., 1] = 0.0
    return pts


def render_frames(
    motion: Motion,
    camera: Camera,
    size: tuple[int, int] = (640, 480),
    look: Look | None = None,
    seed: int = 0,
) -> Iterator[np.ndarray]:
    """Yield one RGB uint8 frame (H, W, 3) per motion frame."""
    w, h = int(size[0]), int(size[1])
    if w < 32 or h < 32:
        raise ConfigError(f"Frame size {size} is too small.", "Use at least 32x32, e.g. 640x480.")
    scene = _Scene(motion, camera, (w, h), look or LOOKS["blue"], seed)
    for start in range(0, len(motion), _CHUNK):
        yield from scene.frames(start, min(start + _CHUNK, len(motion)))


_CHUNK = 128  # frames whose geometry is computed at once (bounds memory on long clips)


class _Scene:
    """Everything about a clip that does not change from frame to frame."""

    def __init__(
        self, motion: Motion, camera: Camera, size: tuple[int, int], look: Look, seed: int
    ) -> None:
        self.motion, self.camera, self.size = motion, camera, size
        sk = motion.skeleton
        model = _body_model(look)
        self.body_blobs = len(model.blobs)
        self.props = _prop_parts(motion, model)
        self.parts = list(model.parts) + [p for p, _, _ in self.props]
        self.nodes = np.array([NODE_INDEX[b.node] for b in model.blobs[: self.body_blobs]])
        self.local = np.array([b.centre for b in model.blobs[: self.body_blobs]]) * sk.body.scale
        self.radii = np.array([b.radii for b in model.blobs])
        self.radii[: self.body_blobs] *= sk.body.scale
        self.anchors = [np.asarray(p.anchors) for p in self.parts]
        self.cam_c, _ = camera.pose()
        self.visible = _facing_table(self.parts, sk, self.cam_c)
        hip_l = camera.to_camera(sk.point("hip_l"))[:, 2]
        hip_r = camera.to_camera(sk.point("hip_r"))[:, 2]
        self.far_side = np.where(hip_l > hip_r, "l", "r")
        colours = {
            "skin": look.skin,
            "hair": look.hair,
            "shirt": look.shirt,
            "shorts": look.shorts,
            "shoes": look.shoes,
            "sole": look.sole,
            "lips": look.lips,
            "iris": look.iris,
            "eye_white": (238, 236, 230),
            "nose": tuple(int(c * 0.93) for c in look.skin),
            "steel": (176, 178, 184),
            "plate": (44, 44, 48),
            "iron": (56, 56, 60),
        }
        tones = {(role, far): _tones(rgb, 0.78 if far else 1.0) for role, rgb in colours.items()
                 for far in (False, True)}  # fmt: skip
        # Per part: (shape key, tones near/far, [(layer, [blob index arrays])]).
        self.ops = []
        for p, part in enumerate(self.parts):
            part_ops = []
            for si, shape in enumerate(part.shapes):
                if shape.chain and len(shape.blobs) > 1:
                    groups = [np.array(shape.blobs[i : i + 2]) for i in range(len(shape.blobs) - 1)]
                else:
                    groups = [np.array(shape.blobs)]
                layer_ids = range(len(_LAYERS)) if shape.shaded else (1,)
                key = (p, si) if shape.facing is not None else None
                near_far = (tones[(shape.role, False)], tones[(shape.role, True)])
                part_ops.append((key, near_far, [(li, groups) for li in layer_ids]))
            self.ops.append(part_ops)
        self.background = background(camera, size, look, seed)
        self.shadow_colour = np.asarray(look.floor, float) * 0.55

    def frames(self, a: int, b: int) -> Iterator[np.ndarray]:
        sk, camera, size = self.motion.skeleton, self.camera, self.size
        rots = sk.rot[a:b, self.nodes]
        centres = sk.pos[a:b, self.nodes] + np.einsum("tbij,bj->tbi", rots, self.local)
        if self.props:
            centres = np.concatenate([centres] + [c[a:b] for _, c, _ in self.props], axis=1)
            rots = np.concatenate([rots] + [r[a:b] for _, _, r in self.props], axis=1)
        outline, centre_px, size_px, depth = _silhouettes(centres, rots, self.radii, camera, size)
        # Shading layers for every blob at once, in fixed point: (T, B, L, K, 2) int32.
        layers = np.stack(
            [
                centre_px[:, :, None, :]
                + sc * (outline - centre_px[:, :, None, :])
                + (off * size_px)[..., None, None] * _LIGHT
                for sc, off, _ in _LAYERS
            ],
            axis=2,
        )
        layers = np.round(layers * (1 << _SHIFT)).astype(np.int32)
        part_depth = np.stack([depth[:, i].mean(axis=1) for i in self.anchors], axis=1)
        order = np.argsort(-part_depth, axis=1, kind="stable")
        shadow_c = _shadow_points(sk)[a:b]
        eye = np.broadcast_to(np.eye(3), shadow_c.shape + (3,))
        shadow_r = np.broadcast_to(
            np.array([0.16, 0.002, 0.13]) * sk.body.scale, (shadow_c.shape[1], 3)
        )
        shadow = _silhouettes(shadow_c, eye, shadow_r, camera, size)[0]
        for t in range(b - a):
            img = self.background.copy()
            _draw_shadow(img, shadow[t], self.shadow_colour)
            frame_layers = layers[t]
            far_side = self.far_side[a + t]
            for p in order[t]:
                far = int(self.parts[p].side == far_side)
                for key, near_far, steps in self.ops[p]:
                    if key is not None and not self.visible[key][a + t]:
                        continue
                    tone = near_far[far]
                    for li, groups in steps:
                        for g in groups:
                            hull = cv2.convexHull(frame_layers[g, li].reshape(-1, 2))
                            cv2.fillPoly(img, [hull], tone[li], cv2.LINE_AA, _SHIFT)
            yield img


def _facing_table(parts: list[Part], sk: Skeleton, cam_c: np.ndarray) -> dict:
    """For shapes drawn only when they face the camera: (part, shape) -> (T,) bool."""
    out = {}
    for p, part in enumerate(parts):
        for si, shape in enumerate(part.shapes):
            if shape.facing is None:
                continue
            node, normal = shape.facing
            n_world = sk.frame(node) @ (np.asarray(normal) / np.linalg.norm(normal))
            to_cam = cam_c - sk.point(node)
            to_cam /= np.linalg.norm(to_cam, axis=1, keepdims=True)
            out[(p, si)] = np.einsum("ti,ti->t", n_world, to_cam) > shape.min_facing
    return out


def _draw_shadow(img: np.ndarray, outline: np.ndarray, colour: np.ndarray) -> None:
    """Blend a soft contact shadow (hull of floor discs) into the image."""
    pts = outline.reshape(-1, 2)
    x0, y0 = np.floor(pts.min(axis=0)).astype(int) - 6
    x1, y1 = np.ceil(pts.max(axis=0)).astype(int) + 6
    h, w = img.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    hull = cv2.convexHull(np.round((pts - [x0, y0]) * (1 << _SHIFT)).astype(np.int32))
    cv2.fillPoly(mask, [hull], 255, cv2.LINE_AA, _SHIFT)
    mask = cv2.blur(mask, (9, 9))
    alpha = (mask.astype(np.float32) / 255.0 * 0.45)[..., None]
    roi = img[y0:y1, x0:x1].astype(np.float32)
    img[y0:y1, x0:x1] = (roi * (1 - alpha) + colour * alpha).astype(np.uint8)
