"""The correct variants (written differently) of the ``batch_momentum`` catalog (see ``__init__``)."""

from __future__ import annotations

import numpy as np

from graders.mutants import Catalog

catalog = Catalog("batch_momentum")


@catalog.variant(
    "shuffled_batches", "legacy RandomState shuffle (a different order) cut with np.array_split"
)
def shuffle_randomstate_array_split(n, batch_size, seed):
    order = np.random.RandomState(seed).permutation(n)
    return np.array_split(order, range(batch_size, n, batch_size))


@catalog.variant(
    "shuffled_batches", "Python's random.Random(seed).shuffle on a list, batches built in a loop"
)
def shuffle_python_random(n, batch_size, seed):
    import random

    order = list(range(n))
    random.Random(seed).shuffle(order)
    batches = []
    while order:
        batches.append(np.array(order[:batch_size], dtype=np.int32))
        order = order[batch_size:]
    return tuple(batches)


@catalog.variant(
    "shuffled_batches",
    "np.argsort(rng.random(n)) (a different order), batches by slicing in a loop",
)
def shuffle_argsort_random_keys(n, batch_size, seed):
    order = np.argsort(np.random.default_rng(seed).random(n), kind="stable")
    batches, start = [], 0
    while start < n:
        batches.append(order[start : start + batch_size])
        start += batch_size
    return batches


@catalog.variant(
    "shuffled_batches", "rng.shuffle of np.arange in place, np.split at the batch boundaries"
)
def shuffle_inplace_split_at_boundaries(n, batch_size, seed):
    order = np.arange(n)
    np.random.default_rng(seed).shuffle(order)
    return list(np.split(order, np.arange(batch_size, n, batch_size)))


@catalog.variant("sgd_step", "torch's p.add_(grad, alpha=-lr) on a copy")
def sgd_torch_alpha(theta, grad, lr):
    param = np.array(theta, dtype=np.float64)
    np.add(param, -lr * np.asarray(grad, dtype=np.float64), out=param)
    return param


@catalog.variant("sgd_step", "element by element over a flattened copy")
def sgd_loop(theta, grad, lr):
    theta = np.array(theta, dtype=np.float64)
    flat, g = theta.reshape(-1), np.asarray(grad, dtype=np.float64).reshape(-1)
    for i in range(flat.size):
        flat[i] -= lr * g[i]
    return theta


@catalog.variant("momentum_step", "in-place updates of copies, returned as a list")
def momentum_inplace_on_copies(theta, grad, velocity, lr, momentum):
    theta = np.array(theta, dtype=np.float64)
    velocity = np.array(velocity, dtype=np.float64)
    velocity *= momentum
    velocity -= lr * np.asarray(grad, dtype=np.float64)
    theta += velocity
    return [theta, velocity]


@catalog.variant(
    "momentum_step", "np.multiply / np.subtract / np.add into fresh arrays, returned as a tuple"
)
def momentum_ufuncs(theta, grad, velocity, lr, momentum):
    new_velocity = np.subtract(np.multiply(momentum, velocity), np.multiply(lr, grad))
    return np.add(theta, new_velocity), new_velocity


@catalog.variant("momentum_step", "element by element over flattened copies")
def momentum_loop(theta, grad, velocity, lr, momentum):
    new_theta = np.array(theta, dtype=np.float64)
    new_velocity = np.array(velocity, dtype=np.float64)
    t, v, g = new_theta.reshape(-1), new_velocity.reshape(-1), np.ravel(grad)
    for i in range(g.size):
        v[i] = momentum * v[i] - lr * g[i]
        t[i] = t[i] + v[i]
    return new_theta, new_velocity


@catalog.variant(
    "gradient_descent", "Polyak's heavy ball on the trajectory array: no velocity variable"
)
def gd_heavy_ball(grad_fn, theta0, lr, steps, momentum=0.0):
    theta0 = np.asarray(theta0, dtype=np.float64)
    traj = np.zeros((steps + 1, theta0.size))
    traj[0] = theta0
    for t in range(steps):
        previous = traj[t - 1] if t > 0 else traj[0]
        grad = np.asarray(grad_fn(traj[t].copy()), dtype=np.float64)
        traj[t + 1] = traj[t] + momentum * (traj[t] - previous) - lr * grad
    return traj


@catalog.variant(
    "gradient_descent",
    "velocity in closed form, -lr * sum_j momentum**(t-j) g_j, vectorised over history",
)
def gd_weighted_gradient_sum(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    grads, rows = [], [theta]
    for t in range(steps):
        grads.append(np.asarray(grad_fn(theta.copy()), dtype=np.float64))
        weights = momentum ** np.arange(t, -1, -1, dtype=np.float64)
        theta = theta - lr * (weights @ np.array(grads))
        rows.append(theta)
    return np.array(rows)


@catalog.variant("gradient_descent", "a recursive helper that returns the rows still to come")
def gd_recursive(grad_fn, theta0, lr, steps, momentum=0.0):
    def rest(theta, velocity, left):
        if left == 0:
            return []
        velocity = momentum * velocity - lr * np.asarray(grad_fn(theta.copy()), dtype=float)
        return [theta + velocity] + rest(theta + velocity, velocity, left - 1)

    start = np.array(theta0, dtype=np.float64)
    return np.array([start] + rest(start, np.zeros_like(start), steps))


@catalog.variant("gradient_descent", "torch.optim.SGD's buffer b = μb + g, θ − lr·b")
def gd_torch_buffer(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    buf = None
    rows = [theta]
    for _ in range(steps):
        g = np.asarray(grad_fn(theta.copy()), dtype=np.float64)
        buf = g if buf is None else momentum * buf + g
        theta = theta - lr * buf
        rows.append(theta)
    return np.stack(rows)


@catalog.variant(
    "gradient_descent", "velocity kept as μv + lr·g and subtracted (only thetas are returned)"
)
def gd_flipped_velocity_convention(grad_fn, theta0, lr, steps, momentum=0.0):
    theta = np.array(theta0, dtype=np.float64)
    v = np.zeros_like(theta)
    out = np.zeros((steps + 1, theta.size))
    out[0] = theta
    for t in range(1, steps + 1):
        v = momentum * v + lr * np.asarray(grad_fn(theta.copy()), dtype=np.float64)
        theta = theta - v
        out[t] = theta
    return out


VARIANTS = catalog.variants
