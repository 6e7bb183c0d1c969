"""Known-wrong and correct-but-different ``batch_momentum`` implementations (staff only).

Each mutant rewrites one exercise function with one plausible bug.  The reference's
``gradient_descent`` calls ``momentum_step``, so every ``momentum_step`` mutant also carries
``_GD_INLINE``: a correct ``gradient_descent`` with the update written out, so that the
mutant breaks exactly one function.

A sign convention is a bug only where it shows: ``momentum_step`` returns the velocity, so
v = μv + lr·g with θ − v is wrong there (the returned velocity has the opposite sign), while
inside ``gradient_descent``, which returns only the thetas, the same convention is a correct
variant.  torch's buffer ``b = mu*b + g; theta -= lr*b`` is the same: SPEC's velocity is
``-lr*b`` at a constant lr, so it is a variant of ``gradient_descent`` (constant lr, only the
thetas returned) and a mutant of ``momentum_step`` when ``b`` is returned as the velocity.
Converting the velocity to a buffer and back (``b = -velocity/lr``) is SPEC's update except
at ``lr = 0``, where it divides by zero: not a variant either.

``np.array_split(order, ceil(n / batch_size))`` makes that many *near-equal* pieces, not
pieces of ``batch_size``: a mutant; ``np.array_split(order, range(batch_size, n, batch_size))``
cuts at the batch boundaries: a variant.
"""

from __future__ import annotations

from graders.mutants import Degenerate, Mutant, Variant, degenerate_family, isolate

# a correct gradient_descent that does not call momentum_step
_GD_INLINE = '''

def gradient_descent(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    velocity = np.zeros_like(theta)
    rows = [theta.copy()]
    for _ in range(steps):
        grad = np.asarray(grad_fn(theta.copy()), dtype=np.float64)
        velocity = momentum * velocity - lr * grad
        theta = theta + velocity
        rows.append(theta.copy())
    return np.array(rows).reshape(steps + 1, theta.size)
'''

MUTANTS = [
    # --- shuffled_batches ---------------------------------------------------------------
    Mutant(
        id="shuffle_ignores_seed", function="shuffled_batches",
        title="the same permutation every epoch (a fixed seed, `seed` ignored)",
        misconception="your batches are shuffled once but come out the same for every seed, "
                      "so every epoch sees the same batches in the same order; the docstring "
                      "asks for a new order for each seed (a new epoch is a new seed)",
        source='''
def shuffled_batches(n, batch_size, seed):
    order = np.random.default_rng(0).permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]
'''),
    Mutant(
        id="shuffle_missing", function="shuffled_batches",
        title="no shuffle: batches of 0..n-1 in order",
        source='''
def shuffled_batches(n, batch_size, seed):
    order = np.arange(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]
'''),
    Mutant(
        id="shuffle_batch_order_only", function="shuffled_batches",
        title="shuffles the order of fixed batches, not the samples",
        misconception="you shuffle the order of the batches but each batch always holds the "
                      "same samples (0..b-1, b..2b-1, ...); shuffle the sample indices "
                      "themselves and then cut them into batches, as the docstring says",
        source='''
def shuffled_batches(n, batch_size, seed):
    fixed = [np.arange(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
    order = np.random.default_rng(seed).permutation(len(fixed))
    return [fixed[i] for i in order]
'''),
    Mutant(
        id="shuffle_drops_last_partial", function="shuffled_batches",
        title="drops the last, shorter batch",
        misconception="your last batch goes missing when batch_size does not divide n, so "
                      "some samples are never used in the epoch; keep the shorter last batch "
                      "(the docstring: every index exactly once)",
        source='''
def shuffled_batches(n, batch_size, seed):
    order = np.random.default_rng(seed).permutation(n)
    return [order[i:i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]
'''),
    Mutant(
        id="shuffle_array_split_equal_parts", function="shuffled_batches",
        title="np.array_split into ceil(n / batch_size) near-equal pieces",
        misconception="np.array_split(order, k) with a number k makes k pieces of nearly "
                      "equal size, so your batches are not batch_size long (e.g. 4, 3, 3 for "
                      "n = 10, batch_size = 4); every batch but the last must have exactly "
                      "batch_size indices — split at the indices batch_size, 2*batch_size, ...",
        source='''
def shuffled_batches(n, batch_size, seed):
    order = np.random.default_rng(seed).permutation(n)
    return np.array_split(order, -(-n // batch_size))
'''),
    # --- sgd_step -----------------------------------------------------------------------
    Mutant(
        id="sgd_ascent", function="sgd_step",
        title="θ + lr·grad (gradient ascent)",
        misconception="your SGD step moves along the gradient, which increases the loss; "
                      "a descent step subtracts lr * grad",
        source='''
def sgd_step(theta, grad, lr):
    return np.asarray(theta, dtype=np.float64) + lr * np.asarray(grad, dtype=np.float64)
'''),
    # --- momentum_step ------------------------------------------------------------------
    Mutant(
        id="momentum_velocity_sign_flipped", function="momentum_step",
        title="velocity kept as μv + lr·g and subtracted (returned with the wrong sign)",
        misconception="your thetas are right, but you return the velocity with the opposite "
                      "sign (μv + lr·g, then θ − v); the docstring's velocity is "
                      "momentum*velocity - lr*grad and is added to theta",
        source='''
def momentum_step(theta, grad, velocity, lr, momentum):
    velocity = momentum * np.asarray(velocity, dtype=np.float64) + lr * np.asarray(grad)
    return np.asarray(theta, dtype=np.float64) - velocity, velocity
''' + _GD_INLINE),
    Mutant(
        id="momentum_on_gradient", function="momentum_step",
        title="momentum scaled into the gradient: v' = −lr·(g + μv)",
        misconception="you mix the old velocity into the gradient before scaling by lr, so "
                      "the accumulated movement shrinks by a factor lr every step; the "
                      "docstring keeps momentum*velocity unscaled and subtracts lr*grad",
        source='''
def momentum_step(theta, grad, velocity, lr, momentum):
    velocity = -lr * (np.asarray(grad, dtype=np.float64) + momentum * np.asarray(velocity))
    return np.asarray(theta, dtype=np.float64) + velocity, velocity
''' + _GD_INLINE),
    Mutant(
        id="momentum_old_velocity", function="momentum_step",
        title="theta moved by the old velocity",
        misconception="you move theta by the velocity you were given and only then update "
                      "it; the docstring's theta' = theta + velocity' uses the new velocity",
        source='''
def momentum_step(theta, grad, velocity, lr, momentum):
    velocity = np.asarray(velocity, dtype=np.float64)
    theta = np.asarray(theta, dtype=np.float64) + velocity
    return theta, momentum * velocity - lr * np.asarray(grad, dtype=np.float64)
''' + _GD_INLINE),
    Mutant(
        id="momentum_returns_torch_buffer", function="momentum_step",
        title="torch's buffer b = μb + g returned as the velocity (θ − lr·b)",
        misconception="you keep torch.optim.SGD's momentum buffer b = momentum*b + grad and "
                      "step theta - lr*b: the thetas agree at a constant lr, but the velocity "
                      "you return is that buffer; the docstring's velocity is "
                      "momentum*velocity - lr*grad (= -lr*b)",
        source='''
def momentum_step(theta, grad, velocity, lr, momentum):
    buf = momentum * np.asarray(velocity, dtype=np.float64) + np.asarray(grad, dtype=np.float64)
    return np.asarray(theta, dtype=np.float64) - lr * buf, buf
''' + _GD_INLINE),
    # --- gradient_descent ---------------------------------------------------------------
    Mutant(
        id="gd_missing_theta0", function="gradient_descent",
        title="returns `steps` rows (theta0 missing)",
        misconception="your trajectory leaves out the starting point; it has steps + 1 rows "
                      "and row 0 is theta0",
        source='''
def gradient_descent(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    velocity = np.zeros_like(theta)
    rows = []
    for _ in range(steps):
        theta, velocity = momentum_step(theta, grad_fn(theta.copy()), velocity, lr, momentum)
        rows.append(theta)
    return np.array(rows).reshape(steps, theta.size)
'''),
    Mutant(
        id="gd_velocity_starts_at_gradient", function="gradient_descent",
        title="velocity initialised with the first gradient instead of zero",
        source='''
def gradient_descent(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    velocity = np.array(grad_fn(theta.copy()), dtype=np.float64)
    rows = [theta]
    for _ in range(steps):
        theta, velocity = momentum_step(theta, grad_fn(theta.copy()), velocity, lr, momentum)
        rows.append(theta)
    return np.array(rows)
'''),
    Mutant(
        id="gd_velocity_not_reset", function="gradient_descent",
        title="velocity kept in a module-level variable across calls",
        misconception="your velocity survives from one call of gradient_descent to the "
                      "next, so a second run starts with the old run's speed; it starts at "
                      "zero in every call",
        source='''
_VELOCITY = {}


def gradient_descent(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    velocity = _VELOCITY.get(theta.shape, np.zeros_like(theta))
    rows = [theta]
    for _ in range(steps):
        theta, velocity = momentum_step(theta, grad_fn(theta.copy()), velocity, lr, momentum)
        rows.append(theta)
    _VELOCITY[theta.shape] = velocity
    return np.array(rows)
'''),
    Mutant(
        id="gd_ignores_momentum", function="gradient_descent",
        title="plain gradient descent whatever the momentum",
        source='''
def gradient_descent(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    rows = [theta]
    for _ in range(steps):
        theta = theta - lr * np.asarray(grad_fn(theta.copy()))
        rows.append(theta)
    return np.array(rows)
'''),
    Mutant(
        id="gd_gradient_at_theta0", function="gradient_descent",
        title="the gradient evaluated once, at theta0",
        source='''
def gradient_descent(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    grad = np.asarray(grad_fn(theta.copy()), dtype=np.float64)
    velocity = np.zeros_like(theta)
    rows = [theta]
    for _ in range(steps):
        theta, velocity = momentum_step(theta, grad, velocity, lr, momentum)
        rows.append(theta)
    return np.array(rows)
'''),
]

VARIANTS = [
    Variant(
        id="shuffle_randomstate_array_split", function="shuffled_batches",
        title="legacy RandomState shuffle (a different order) cut with np.array_split",
        source='''
def shuffled_batches(n, batch_size, seed):
    order = np.random.RandomState(seed).permutation(n)
    return np.array_split(order, range(batch_size, n, batch_size))
'''),
    Variant(
        id="shuffle_python_random", function="shuffled_batches",
        title="Python's random.Random(seed).shuffle on a list, batches built in a loop",
        source='''
def shuffled_batches(n, batch_size, seed):
    import random

    order = list(range(n))
    random.Random(seed).shuffle(order)
    batches = []
    while order:
        batches.append(np.array(order[:batch_size], dtype=np.int32))
        order = order[batch_size:]
    return tuple(batches)
'''),
    Variant(
        id="shuffle_argsort_random_keys", function="shuffled_batches",
        title="np.argsort(rng.random(n)) (a different order), batches by slicing in a loop",
        source='''
def shuffled_batches(n, batch_size, seed):
    order = np.argsort(np.random.default_rng(seed).random(n), kind="stable")
    batches, start = [], 0
    while start < n:
        batches.append(order[start:start + batch_size])
        start += batch_size
    return batches
'''),
    Variant(
        id="shuffle_inplace_split_at_boundaries", function="shuffled_batches",
        title="rng.shuffle of np.arange in place, np.split at the batch boundaries",
        source='''
def shuffled_batches(n, batch_size, seed):
    order = np.arange(n)
    np.random.default_rng(seed).shuffle(order)
    return list(np.split(order, np.arange(batch_size, n, batch_size)))
'''),
    Variant(
        id="sgd_torch_alpha", function="sgd_step",
        title="torch's p.add_(grad, alpha=-lr) on a copy",
        source='''
def sgd_step(theta, grad, lr):
    param = np.array(theta, dtype=np.float64)
    np.add(param, -lr * np.asarray(grad, dtype=np.float64), out=param)
    return param
'''),
    Variant(
        id="sgd_loop", function="sgd_step",
        title="element by element over a flattened copy",
        source='''
def sgd_step(theta, grad, lr):
    theta = np.array(theta, dtype=np.float64)
    flat, g = theta.reshape(-1), np.asarray(grad, dtype=np.float64).reshape(-1)
    for i in range(flat.size):
        flat[i] -= lr * g[i]
    return theta
'''),
    Variant(
        id="momentum_inplace_on_copies", function="momentum_step",
        title="in-place updates of copies, returned as a list",
        source='''
def momentum_step(theta, grad, velocity, lr, momentum):
    theta = np.array(theta, dtype=np.float64)
    velocity = np.array(velocity, dtype=np.float64)
    velocity *= momentum
    velocity -= lr * np.asarray(grad, dtype=np.float64)
    theta += velocity
    return [theta, velocity]
'''),
    Variant(
        id="momentum_ufuncs", function="momentum_step",
        title="np.multiply / np.subtract / np.add into fresh arrays, returned as a tuple",
        source='''
def momentum_step(theta, grad, velocity, lr, momentum):
    new_velocity = np.subtract(np.multiply(momentum, velocity), np.multiply(lr, grad))
    return np.add(theta, new_velocity), new_velocity
'''),
    Variant(
        id="momentum_loop", function="momentum_step",
        title="element by element over flattened copies",
        source='''
def momentum_step(theta, grad, velocity, lr, momentum):
    new_theta = np.array(theta, dtype=np.float64)
    new_velocity = np.array(velocity, dtype=np.float64)
    t, v, g = new_theta.reshape(-1), new_velocity.reshape(-1), np.ravel(grad)
    for i in range(g.size):
        v[i] = momentum * v[i] - lr * g[i]
        t[i] = t[i] + v[i]
    return new_theta, new_velocity
'''),
    Variant(
        id="gd_heavy_ball", function="gradient_descent",
        title="Polyak's heavy ball on the trajectory array: no velocity variable",
        source='''
def gradient_descent(grad_fn, theta0, lr, steps, momentum=0.0):
    theta0 = np.asarray(theta0, dtype=np.float64)
    traj = np.zeros((steps + 1, theta0.size))
    traj[0] = theta0
    for t in range(steps):
        previous = traj[t - 1] if t > 0 else traj[0]
        grad = np.asarray(grad_fn(traj[t].copy()), dtype=np.float64)
        traj[t + 1] = traj[t] + momentum * (traj[t] - previous) - lr * grad
    return traj
'''),
    Variant(
        id="gd_weighted_gradient_sum", function="gradient_descent",
        title="velocity in closed form, -lr * sum_j momentum**(t-j) g_j, vectorised over history",
        source='''
def gradient_descent(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    grads, rows = [], [theta]
    for t in range(steps):
        grads.append(np.asarray(grad_fn(theta.copy()), dtype=np.float64))
        weights = momentum ** np.arange(t, -1, -1, dtype=np.float64)
        theta = theta - lr * (weights @ np.array(grads))
        rows.append(theta)
    return np.array(rows)
'''),
    Variant(
        id="gd_recursive", function="gradient_descent",
        title="a recursive helper that returns the rows still to come",
        source='''
def gradient_descent(grad_fn, theta0, lr, steps, momentum=0.0):
    def rest(theta, velocity, left):
        if left == 0:
            return []
        velocity = momentum * velocity - lr * np.asarray(grad_fn(theta.copy()), dtype=float)
        return [theta + velocity] + rest(theta + velocity, velocity, left - 1)

    start = np.array(theta0, dtype=np.float64)
    return np.array([start] + rest(start, np.zeros_like(start), steps))
'''),
    Variant(
        id="gd_torch_buffer", function="gradient_descent",
        title="torch.optim.SGD's buffer b = μb + g, θ − lr·b",
        source='''
def gradient_descent(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    buf = None
    rows = [theta]
    for _ in range(steps):
        g = np.asarray(grad_fn(theta.copy()), dtype=np.float64)
        buf = g if buf is None else momentum * buf + g
        theta = theta - lr * buf
        rows.append(theta)
    return np.stack(rows)
'''),
    Variant(
        id="gd_flipped_velocity_convention", function="gradient_descent",
        title="velocity kept as μv + lr·g and subtracted (only thetas are returned)",
        source='''
def gradient_descent(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    v = np.zeros_like(theta)
    out = np.zeros((steps + 1, theta.size))
    out[0] = theta
    for t in range(1, steps + 1):
        v = momentum * v + lr * np.asarray(grad_fn(theta.copy()), dtype=np.float64)
        theta = theta - v
        out[t] = theta
    return out
'''),
]

DEGENERATES = degenerate_family("batch_momentum", {
    "shuffled_batches": ["zeros", "ones", "noise"],
    "sgd_step": ["zeros", "ones", "identity", "noise"],
    "momentum_step": ["zeros", "ones", "identity", "noise"],
    "gradient_descent": ["zeros", "ones", "noise"],
}) + [
    Degenerate(
        id="shuffle_same_permutation_every_seed", function="shuffled_batches",
        title="one fixed permutation (a seeded global generator) for every seed",
        source='''
def shuffled_batches(n, batch_size, seed):
    order = np.random.RandomState(12345).permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]
'''),
    Degenerate(
        id="shuffle_range_in_order", function="shuffled_batches",
        title="range(n) in order, cut into batches",
        source='''
def shuffled_batches(n, batch_size, seed):
    return [np.arange(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
'''),
    Degenerate(
        id="momentum_velocity_unchanged", function="momentum_step",
        title="theta moved by the new velocity, the velocity returned as given",
        source=isolate("batch_momentum", "momentum_step", '''
def momentum_step(theta, grad, velocity, lr, momentum):
    new_velocity = momentum * np.asarray(velocity, dtype=np.float64) - lr * np.asarray(grad)
    return np.asarray(theta, dtype=np.float64) + new_velocity, np.array(velocity, dtype=float)
''')),
    Degenerate(
        id="momentum_theta_unchanged", function="momentum_step",
        title="the right velocity, theta returned unchanged",
        source=isolate("batch_momentum", "momentum_step", '''
def momentum_step(theta, grad, velocity, lr, momentum):
    new_velocity = momentum * np.asarray(velocity, dtype=np.float64) - lr * np.asarray(grad)
    return np.array(theta, dtype=np.float64), new_velocity
''')),
    Degenerate(
        id="gd_theta0_repeated", function="gradient_descent",
        title="theta0 in every row (theta returned unchanged at every step)",
        source='''
def gradient_descent(grad_fn, theta0, lr, steps, momentum=0.0):
    return np.tile(np.asarray(theta0, dtype=np.float64), (steps + 1, 1))
'''),
]
