"""Known-wrong and correct-but-different ``batch_momentum`` implementations (staff only).

Each mutant rewrites one exercise function with one plausible bug.  The reference's
``gradient_descent`` calls ``momentum_step``, so every ``momentum_step`` mutant also carries
``_GD_INLINE``: a correct ``gradient_descent`` with the update written out, so that the
mutant breaks exactly one function.

A sign convention is a bug only where it shows: ``momentum_step`` returns the velocity, so
v = μv + lr·g with θ − v is wrong there (the returned velocity has the opposite sign), while
inside ``gradient_descent``, which returns only the thetas, the same convention is a correct
variant.
"""

from __future__ import annotations

from graders.mutants import Mutant, Variant

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
