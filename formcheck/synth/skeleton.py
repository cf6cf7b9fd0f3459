"""A 3D human skeleton with a multi-segment spine, posed by joint angles (forward kinematics).

World frame (metres): x forward (the way the body faces at root yaw 0), y up, z to the body's
right, floor at y = 0. All joint angles are in degrees and named so that the everyday movement is
positive: hip/knee/shoulder/elbow flexion, spine and neck flexion (bending forward), ankle
dorsiflexion (toes up), toe extension (heel up with the toes flat on the floor).

The spine is pelvis -> sacrum -> L3 -> T12 -> T8 -> T4 -> C7 -> neck -> head. Thoracic flexion is
spread evenly over the T12, T8 and T4 joints; lumbar flexion over the sacrum (L5/S1 and half of
L4/5), L3 (L4/5 .. L2/3) and T12 (L2/3 .. T12/L1) joints in proportion to the segments' flexion
ranges (see LUMBAR_FLEX_SHARES), so a rounded back is a real curve and not a hinge: that is what
mask-based back-outline checks need to see.
Segment lengths follow Drillis & Contini / Winter's anthropometric ratios of standing height.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from formcheck.errors import ConfigError
from formcheck.series.landmarks import NUM_LANDMARKS, Landmark

REFERENCE_HEIGHT_M = 1.75

# Every angle channel a pose may set (degrees). Per-side channels end in _l / _r.
SIDED = ("hip_flex", "hip_abd", "knee_flex", "ankle_dorsi", "toe_ext")
SIDED += ("shoulder_flex", "shoulder_abd", "elbow_flex", "wrist_ext")
CHANNELS: tuple[str, ...] = (
    "root_yaw",
    "root_pitch",  # forward tilt of the pelvis; 90 = lying face down, head towards +x
    "root_roll",
    "lumbar_flex",
    "thoracic_flex",
    "neck_flex",
    *(f"{name}_{side}" for name in SIDED for side in "lr"),
)


def _rot(axis: int, deg: np.ndarray) -> np.ndarray:
    """(T, 3, 3) right-handed rotations about world axis 0=x, 1=y, 2=z by ``deg`` degrees."""
    a = np.radians(np.asarray(deg, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    out = np.zeros(a.shape + (3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    out[..., axis, axis] = 1.0
    out[..., i, i] = c
    out[..., j, j] = c
    out[..., i, j] = -s
    out[..., j, i] = s
    return out


def rot_x(deg: np.ndarray) -> np.ndarray:
    return _rot(0, deg)


def rot_y(deg: np.ndarray) -> np.ndarray:
    return _rot(1, deg)


def rot_z(deg: np.ndarray) -> np.ndarray:
    return _rot(2, deg)


@dataclass
class Pose:
    """Joint angles over T frames: ``root_pos`` (T, 3) metres and one (T,) array per channel."""

    root_pos: np.ndarray
    angles: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root_pos = np.asarray(self.root_pos, dtype=np.float64).reshape(-1, 3)
        n = self.root_pos.shape[0]
        unknown = sorted(set(self.angles) - set(CHANNELS))
        if unknown:
            raise ConfigError(
                f"Unknown joint angle channel(s): {', '.join(unknown)}.",
                f"Use names from formcheck.synth.skeleton.CHANNELS, e.g. {CHANNELS[3]!r}.",
            )
        full = {}
        for name in CHANNELS:
            values = np.asarray(self.angles.get(name, np.zeros(n)), dtype=np.float64)
            full[name] = np.broadcast_to(values, (n,)).copy()
        self.angles = full

    @classmethod
    def zeros(cls, frames: int) -> Pose:
        return cls(np.zeros((frames, 3)))

    def __len__(self) -> int:
        return int(self.root_pos.shape[0])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.angles[name]

    def set(self, name: str, values: np.ndarray | float) -> None:
        """Set a channel; a name without _l/_r that is per-side sets both sides."""
        names = [f"{name}_l", f"{name}_r"] if name in SIDED else [name]
        for key in names:
            if key not in self.angles:
                raise ConfigError(f"Unknown joint angle channel {key!r}.", "See skeleton.CHANNELS.")
            self.angles[key] = np.broadcast_to(np.asarray(values, float), (len(self),)).copy()


@dataclass(frozen=True)
class Node:
    """A point carried by a parent node's frame; ``joint`` names how its own frame turns."""

    name: str
    parent: str | None
    offset: tuple[float, float, float]  # in the parent's frame, metres at 1.75 m height
    joint: str = ""  # key into _joint_rotation; "" = frame of the parent


def _build_nodes() -> tuple[Node, ...]:
    nodes = [
        Node("pelvis", None, (0.0, 0.0, 0.0), "root"),
        # Spine: the torso's centre line. Flexion at a node bends the segment above it.
        Node("sacrum", "pelvis", (-0.01, 0.09, 0.0), "lumbar_low"),
        Node("l3", "sacrum", (0.0, 0.08, 0.0), "lumbar_mid"),
        Node("t12", "l3", (0.0, 0.08, 0.0), "thoracolumbar"),
        Node("t8", "t12", (0.0, 0.09, 0.0), "thoracic"),
        Node("t4", "t8", (0.0, 0.09, 0.0), "thoracic"),
        Node("c7", "t4", (0.0, 0.11, 0.0), "neck"),
        Node("head", "c7", (0.012, 0.10, 0.0), "neck"),
        # Head points (head frame: origin at the skull base).
        Node("skull", "head", (0.0, 0.075, 0.0)),
        Node("nose", "head", (0.118, 0.035, 0.0)),
        Node("mouth_l", "head", (0.088, -0.005, -0.024)),
        Node("mouth_r", "head", (0.088, -0.005, 0.024)),
        Node("chin", "head", (0.075, -0.035, 0.0)),
    ]
    for side, sz in (("l", -1.0), ("r", 1.0)):
        nodes += [
            Node(f"eye_inner_{side}", "head", (0.090, 0.072, sz * 0.016)),
            Node(f"eye_{side}", "head", (0.086, 0.072, sz * 0.032)),
            Node(f"eye_outer_{side}", "head", (0.076, 0.072, sz * 0.047)),
            Node(f"ear_{side}", "head", (-0.005, 0.062, sz * 0.078)),
            # Arm: frames point down the limb (-y) at rest, palms facing the thigh.
            Node(f"shoulder_{side}", "t4", (0.0, 0.05, sz * 0.18), f"shoulder_{side}"),
            Node(f"elbow_{side}", f"shoulder_{side}", (0.0, -0.326, 0.0), f"elbow_{side}"),
            Node(f"wrist_{side}", f"elbow_{side}", (0.0, -0.255, 0.0), f"wrist_{side}"),
            Node(f"grip_{side}", f"wrist_{side}", (0.0, -0.075, 0.0)),
            Node(f"index_{side}", f"wrist_{side}", (0.02, -0.10, -sz * 0.005)),
            Node(f"pinky_{side}", f"wrist_{side}", (-0.025, -0.085, sz * 0.005)),
            Node(f"thumb_{side}", f"wrist_{side}", (0.045, -0.06, -sz * 0.012)),
            Node(f"fingertip_{side}", f"wrist_{side}", (0.0, -0.17, 0.0)),
            # Leg.
            Node(f"hip_{side}", "pelvis", (0.0, 0.0, sz * 0.085), f"hip_{side}"),
            Node(f"knee_{side}", f"hip_{side}", (0.0, -0.43, 0.0), f"knee_{side}"),
            Node(f"ankle_{side}", f"knee_{side}", (0.0, -0.43, 0.0), f"ankle_{side}"),
            # Foot (ankle frame): heel is BlazePose's heel point, at the back of the shoe.
            Node(f"heel_{side}", f"ankle_{side}", (-0.06, -0.045, 0.0)),
            Node(f"heel_floor_{side}", f"ankle_{side}", (-0.045, -0.068, 0.0)),
            Node(f"ball_{side}", f"ankle_{side}", (0.145, -0.045, 0.0), f"toe_{side}"),
            Node(f"ball_floor_{side}", f"ankle_{side}", (0.145, -0.068, 0.0)),
            Node(f"toe_{side}", f"ball_{side}", (0.065, -0.008, 0.0)),
            Node(f"toe_floor_{side}", f"ball_{side}", (0.065, -0.023, 0.0)),
        ]
    return tuple(nodes)


NODES: tuple[Node, ...] = _build_nodes()
NODE_INDEX: dict[str, int] = {n.name: i for i, n in enumerate(NODES)}

# BlazePose landmark -> node carrying it.
_LANDMARK_NODE = {
    Landmark.NOSE: "nose",
    Landmark.LEFT_EYE_INNER: "eye_inner_l",
    Landmark.LEFT_EYE: "eye_l",
    Landmark.LEFT_EYE_OUTER: "eye_outer_l",
    Landmark.RIGHT_EYE_INNER: "eye_inner_r",
    Landmark.RIGHT_EYE: "eye_r",
    Landmark.RIGHT_EYE_OUTER: "eye_outer_r",
    Landmark.LEFT_EAR: "ear_l",
    Landmark.RIGHT_EAR: "ear_r",
    Landmark.MOUTH_LEFT: "mouth_l",
    Landmark.MOUTH_RIGHT: "mouth_r",
}
for _side, _word in (("l", "LEFT"), ("r", "RIGHT")):
    for _lm, _node in (
        ("SHOULDER", "shoulder"),
        ("ELBOW", "elbow"),
        ("WRIST", "wrist"),
        ("PINKY", "pinky"),
        ("INDEX", "index"),
        ("THUMB", "thumb"),
        ("HIP", "hip"),
        ("KNEE", "knee"),
        ("ANKLE", "ankle"),
        ("HEEL", "heel"),
        ("FOOT_INDEX", "toe"),
    ):
        _LANDMARK_NODE[Landmark[f"{_word}_{_lm}"]] = f"{_node}_{_side}"
LANDMARK_NODES: np.ndarray = np.array(
    [NODE_INDEX[_LANDMARK_NODE[Landmark(i)]] for i in range(NUM_LANDMARKS)], dtype=np.intp
)


@dataclass(frozen=True)
class Body:
    """Body size. Every length scales with height from the 1.75 m reference figure."""

    height_m: float = REFERENCE_HEIGHT_M

    def __post_init__(self) -> None:
        if not 1.0 <= self.height_m <= 2.3:
            raise ConfigError(
                f"Body height {self.height_m} m is outside 1.0-2.3 m.",
                "Give the height in metres, e.g. 1.75.",
            )

    @property
    def scale(self) -> float:
        return self.height_m / REFERENCE_HEIGHT_M

    def length(self, node: str) -> float:
        """Length of the segment ending at ``node`` (its offset from the parent), metres."""
        return float(np.linalg.norm(NODES[NODE_INDEX[node]].offset)) * self.scale


@dataclass
class Skeleton:
    """Forward-kinematics result: ``pos`` (T, N, 3) and ``rot`` (T, N, 3, 3) per node of NODES."""

    pos: np.ndarray
    rot: np.ndarray
    body: Body

    def __len__(self) -> int:
        return int(self.pos.shape[0])

    def point(self, name: str) -> np.ndarray:
        """(T, 3) position of one node."""
        return self.pos[:, NODE_INDEX[name]]

    def frame(self, name: str) -> np.ndarray:
        """(T, 3, 3) orientation of one node (columns: its x, y, z axes in the world)."""
        return self.rot[:, NODE_INDEX[name]]

    def landmarks(self) -> np.ndarray:
        """(T, 33, 3) true 3D positions of BlazePose's landmarks, in BlazePose's order."""
        return self.pos[:, LANDMARK_NODES]

    def local_to_world(self, name: str, local: np.ndarray) -> np.ndarray:
        """Points given in a node's frame (metres at 1.75 m, scaled) -> (T, ..., 3) world."""
        local = np.asarray(local, dtype=np.float64) * self.body.scale
        r = self.frame(name)
        flat = local.reshape(-1, 3)
        world = np.einsum("tij,kj->tki", r, flat) + self.point(name)[:, None, :]
        return world.reshape((len(self),) + local.shape)


# Share of lumbar flexion taken by the sacrum, L3 and T12 joints. Segmental flexion ranges
# (White & Panjabi): L1/2 8, L2/3 10, L3/4 12, L4/5 13, L5/S1 9 deg; the sacrum joint stands for
# L5/S1 + half of L4/5 (15.5), L3 for the rest of L4/5, L3/4 and half of L2/3 (23.5), T12 for
# half of L2/3 and L1/2 (13). Flexion only: extension and the first LEGACY_LUMBAR_FLEX_DEG of
# flexion keep the earlier split (half each at the sacrum and L3, none at T12), so the plank's
# breathing (+-0.8 deg), the swings' lumbar extension and every clip without lumbar rounding
# render exactly as before. With that split half the flexion only tilted the rigid pelvis
# against the hip-shoulder chord (the glutes swung out) and the lower back outline stayed
# straight up to ~30 deg instead of bowing.
LUMBAR_FLEX_SHARES = (0.30, 0.45, 0.25)
_LEGACY_LUMBAR_SHARES = (0.5, 0.5, 0.0)
LEGACY_LUMBAR_FLEX_DEG = 1.0


def _lumbar_share(lumbar_deg: np.ndarray, joint: int) -> np.ndarray:
    """Flexion (deg) of lumbar joint 0 (sacrum), 1 (L3) or 2 (T12) for a total ``lumbar_deg``."""
    total = np.asarray(lumbar_deg, dtype=np.float64)
    legacy = np.minimum(total, LEGACY_LUMBAR_FLEX_DEG)
    beyond = np.maximum(total - LEGACY_LUMBAR_FLEX_DEG, 0.0)
    out = legacy * _LEGACY_LUMBAR_SHARES[joint]
    if np.any(beyond > 0.0):  # exact old values (no added zeros) for clips without rounding
        out = out + beyond * LUMBAR_FLEX_SHARES[joint]
    return out


def _joint_rotation(joint: str, pose: Pose) -> np.ndarray | None:
    """Local rotation of a joint's frame relative to its parent's, (T, 3, 3)."""
    a = pose.angles
    if joint == "root":
        return rot_y(a["root_yaw"]) @ rot_z(-a["root_pitch"]) @ rot_x(a["root_roll"])
    if joint == "lumbar_low":
        return rot_z(-_lumbar_share(a["lumbar_flex"], 0))
    if joint == "lumbar_mid":
        return rot_z(-_lumbar_share(a["lumbar_flex"], 1))
    if joint == "thoracic":  # three thoracic joints (T12, T8, T4)
        return rot_z(-a["thoracic_flex"] / 3.0)
    if joint == "thoracolumbar":  # T12: a thoracic joint that also takes the top of the lumbar
        thoracic = rot_z(-a["thoracic_flex"] / 3.0)
        upper = _lumbar_share(a["lumbar_flex"], 2)
        return thoracic @ rot_z(-upper) if np.any(upper != 0.0) else thoracic
    if joint == "neck":  # neck base and head nod
        return rot_z(-a["neck_flex"] / 2.0)
    kind, side = joint.rsplit("_", 1)
    sz = -1.0 if side == "l" else 1.0  # abduction turns the limb towards its own side
    if kind == "shoulder":
        return rot_z(a[f"shoulder_flex_{side}"]) @ rot_x(-sz * a[f"shoulder_abd_{side}"])
    if kind == "elbow":
        return rot_z(a[f"elbow_flex_{side}"])
    if kind == "wrist":
        return rot_z(a[f"wrist_ext_{side}"])
    if kind == "hip":
        return rot_z(a[f"hip_flex_{side}"]) @ rot_x(-sz * a[f"hip_abd_{side}"])
    if kind == "knee":
        return rot_z(-a[f"knee_flex_{side}"])
    if kind == "ankle":
        return rot_z(a[f"ankle_dorsi_{side}"])
    if kind == "toe":
        return rot_z(a[f"toe_ext_{side}"])
    raise ValueError(f"unknown joint {joint!r}")  # a bug in NODES, not a user error


def forward_kinematics(pose: Pose, body: Body | None = None) -> Skeleton:
    """World positions and frames of every node for every frame of ``pose``."""
    body = body or Body()
    n = len(pose)
    pos = np.zeros((n, len(NODES), 3))
    rot = np.zeros((n, len(NODES), 3, 3))
    cache: dict[str, np.ndarray | None] = {}
    for i, node in enumerate(NODES):
        if node.parent is None:
            pos[:, i] = pose.root_pos
            rot[:, i] = _joint_rotation("root", pose)
            continue
        p = NODE_INDEX[node.parent]
        offset = np.asarray(node.offset) * body.scale
        pos[:, i] = pos[:, p] + rot[:, p] @ offset
        if node.joint:
            if node.joint not in cache:
                cache[node.joint] = _joint_rotation(node.joint, pose)
            rot[:, i] = rot[:, p] @ cache[node.joint]
        else:
            rot[:, i] = rot[:, p]
    return Skeleton(pos=pos, rot=rot, body=body)


def sagittal_angle(vec: np.ndarray, down: bool = False) -> np.ndarray:
    """Angle (deg) of world vectors (…, 3) in the x-y plane from vertical, forward (+x) positive.

    ``down=False`` measures from straight up (a trunk), ``down=True`` from straight down (a limb).
    """
    x, y = vec[..., 0], vec[..., 1]
    return np.degrees(np.arctan2(x, -y)) if down else np.degrees(np.arctan2(x, y))
