"""Known-wrong and correct-but-different implementations of ``backprop``.

The reference's ``backward_pass`` calls its ``forward_pass``, and ``forward_pass`` calls
``sigmoid``.  A wrong ``forward_pass`` or ``sigmoid`` is therefore spliced in through
``isolate``, which rewires the reference's callers to a private correct copy, so that exactly
one exercise function behaves differently.
"""

from graders.mutants import Degenerate, Mutant, Variant, degenerate_family, isolate


def _backward(propagate: str, layer_grads: str = "(delta.T @ a_prev, delta.sum(axis=0))",
              output_error: str = "acts[-1] - np.asarray(y, dtype=np.float64)") -> str:
    """A backward pass with one line changed."""
    return f'''
def backward_pass(params, x, y):
    acts = forward_pass(params, x)
    delta = {output_error}
    grads = []
    for l in range(len(params), 0, -1):
        W = np.asarray(params[l - 1][0], dtype=np.float64)
        a_prev = acts[l - 1]
        grads.append({layer_grads})
        if l > 1:
            delta = {propagate}
    grads.reverse()
    return grads
'''


_PROPAGATE = "(delta @ W) * a_prev * (1.0 - a_prev)"

MUTANTS = [
    Mutant(id="backward_missing_sigmoid_prime", function="backward_pass",
           title="backward pass without σ′ when propagating δ",
           misconception="your backward pass propagates δ through the weights but not through "
                         "the sigmoid of the hidden layer: δ_{l-1} needs the factor σ'(z_{l-1}) "
                         "— see the δ_{l-1} line of the docstring",
           source=_backward("delta @ W")),
    Mutant(id="backward_transposed_weight_gradient", function="backward_pass",
           title="weight gradient transposed (a_prevᵀ δ instead of δᵀ a_prev)",
           misconception="your weight gradients are transposed: dC/dW_l must have W_l's shape "
                         "(out, in), entry [i, j] pairing output i with input j — with square "
                         "layers the shape is right but the values are not (see dC/dW_l in the "
                         "docstring)",
           source=_backward(_PROPAGATE, layer_grads="(a_prev.T @ delta, delta.sum(axis=0))")),
    Mutant(id="backward_missing_half", function="backward_pass",
           title="output error 2(a_L - y): the ½ of the loss forgotten",
           misconception="your gradients are exactly twice too large: C = 0.5·sum((a_L - y)²) "
                         "has the ½ that cancels the 2 of the square, so δ_L = a_L - y",
           source=_backward(_PROPAGATE,
                            output_error="2.0 * (acts[-1] - np.asarray(y, dtype=np.float64))")),
    Mutant(id="backward_mean_over_batch", function="backward_pass",
           title="gradient of the batch mean instead of the sum",
           misconception="your gradients are divided by the batch size: C is summed over the "
                         "samples, not averaged (unlike torch's MSELoss default)",
           source=_backward(_PROPAGATE, output_error="(acts[-1] - np.asarray(y)) / len(acts[0])")),
    Mutant(id="backward_sigma_prime_of_activation", function="backward_pass",
           title="σ′ evaluated at the activation a instead of at z",
           source=_backward("(delta @ W) * sigmoid_derivative(a_prev)")),
    Mutant(id="backward_bias_mean", function="backward_pass",
           title="bias gradient averaged over the batch instead of summed",
           source=_backward(_PROPAGATE, layer_grads="(delta.T @ a_prev, delta.mean(axis=0))")),
    Mutant(id="forward_sigmoid_on_output", function="forward_pass",
           title="forward pass applies the sigmoid on the output layer too",
           misconception="your forward pass squashes the output layer with the sigmoid: the "
                         "last layer is linear, a_L = z_L (see the docstring)",
           source=isolate("backprop", "forward_pass", '''
def forward_pass(params, x):
    acts = [np.array(x, dtype=np.float64)]
    for W, b in params:
        acts.append(sigmoid(acts[-1] @ np.asarray(W).T + np.asarray(b)))
    return acts
''')),
    Mutant(id="forward_weight_not_transposed", function="forward_pass",
           title="z = a @ W + b (the column-vector formula applied to rows)",
           misconception="your forward pass multiplies by W instead of Wᵀ: with one sample per "
                         "row, z_l = a_{l-1} @ W_l.T + b_l (W has shape (out, in))",
           source=isolate("backprop", "forward_pass", '''
def forward_pass(params, x):
    acts = [np.array(x, dtype=np.float64)]
    for l, (W, b) in enumerate(params):
        z = acts[-1] @ np.asarray(W) + np.asarray(b)
        acts.append(z if l == len(params) - 1 else sigmoid(z))
    return acts
''')),
    Mutant(id="sigmoid_exp_ratio", function="sigmoid",
           title="sigmoid as exp(z) / (1 + exp(z)): nan for z above ~709",
           misconception="your sigmoid computes exp(z) (or exp(-z)) of a large |z|, which "
                         "overflows to inf and gives inf/inf = nan; the docstring's stable form "
                         "only ever exponentiates -|z|",
           source=isolate("backprop", "sigmoid", '''
def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(z) / (1.0 + np.exp(z))
''')),
    Mutant(id="sigmoid_clipped", function="sigmoid",
           title="sigmoid of z clipped to [-30, 30]",
           source=isolate("backprop", "sigmoid", '''
def sigmoid(z):
    z = np.clip(np.asarray(z, dtype=np.float64), -30.0, 30.0)
    return 1.0 / (1.0 + np.exp(-z))
''')),
    Mutant(id="sigmoid_textbook_overflow", function="sigmoid",
           title="the textbook 1 / (1 + exp(-z)): right values, overflow warnings below -709",
           # caught only where the worker enforces forbid_warnings (SPEC: "no overflow
           # warnings for large |z|").  No misconception: diagnosis compares values, and these
           # equal the reference's, so it would name this for any near-miss sigmoid
           source=isolate("backprop", "sigmoid", '''
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))
''')),
    Mutant(id="sigmoid_derivative_of_z", function="sigmoid_derivative",
           title="σ′(z) computed as z(1 - z)",
           misconception="your sigmoid_derivative plugs z into s(1 - s); the formula needs "
                         "s = σ(z), the sigmoid's value",
           source='''
def sigmoid_derivative(z):
    z = np.asarray(z, dtype=np.float64)
    return z * (1.0 - z)
'''),
    Mutant(id="sigmoid_derivative_naive_overflow", function="sigmoid_derivative",
           title="σ′ as exp(-z) / (1 + exp(-z))²: nan for z below ~-709",
           source='''
def sigmoid_derivative(z):
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(-z)
        return e / (1.0 + e) ** 2
'''),
    Mutant(id="numerical_gradient_one_sided", function="numerical_gradient",
           title="forward (one-sided) differences",
           misconception="your numerical gradient uses a one-sided difference "
                         "(f(θ + eps·e_i) - f(θ)) / eps, whose error is eps/2 times the "
                         "curvature; the docstring's central difference steps both ways",
           source='''
def numerical_gradient(f, theta, eps=1e-6):
    point = np.array(theta, dtype=np.float64)
    f0 = float(f(point.copy()))
    grad = np.zeros_like(point)
    for i in np.ndindex(point.shape):
        moved = point.copy()
        moved[i] += eps
        grad[i] = (float(f(moved)) - f0) / eps
    return grad
'''),
    Mutant(id="numerical_gradient_flat_result", function="numerical_gradient",
           title="result flattened to shape (theta.size,)",
           source='''
def numerical_gradient(f, theta, eps=1e-6):
    point = np.array(theta, dtype=np.float64)
    grad = np.zeros(point.size)
    for k in range(point.size):
        i = np.unravel_index(k, point.shape)
        up, down = point.copy(), point.copy()
        up[i] += eps
        down[i] -= eps
        grad[k] = (float(f(up)) - float(f(down))) / (2 * eps)
    return grad
'''),
    Mutant(id="numerical_gradient_ignores_eps", function="numerical_gradient",
           title="step size fixed at 1e-6 whatever eps is given",
           source='''
def numerical_gradient(f, theta, eps=1e-6):
    point = np.array(theta, dtype=np.float64)
    h = 1e-6
    grad = np.zeros_like(point)
    for i in np.ndindex(point.shape):
        up, down = point.copy(), point.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (float(f(up)) - float(f(down))) / (2 * h)
    return grad
'''),
]

VARIANTS = [
    Variant(id="sigmoid_logaddexp", function="sigmoid",
            title="σ(z) = exp(-log(1 + exp(-z))) through np.logaddexp",
            source='''
def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=np.float64)))
'''),
    Variant(id="sigmoid_tanh", function="sigmoid",
            title="σ(z) = (1 + tanh(z/2)) / 2",
            source='''
def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))
'''),
    Variant(id="sigmoid_derivative_literal", function="sigmoid_derivative",
            title="σ′ as the literal sigmoid(z) * (1 - sigmoid(z))",
            source='''
def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1.0 - s)
'''),
    Variant(id="forward_pass_per_sample", function="forward_pass",
            title="forward pass one sample at a time with W @ a (the lecture's column form)",
            source='''
def forward_pass(params, x):
    x = np.asarray(x, dtype=np.float64)
    acts = [x.copy()]
    rows = [x[n] for n in range(x.shape[0])]
    for l, (W, b) in enumerate(params):
        rows = [np.asarray(W) @ a + np.asarray(b) for a in rows]
        if l < len(params) - 1:
            rows = [sigmoid(z) for z in rows]
        acts.append(np.array(rows).reshape(x.shape[0], np.shape(W)[0]))
    return acts
'''),
    Variant(id="backward_pass_per_sample_lists", function="backward_pass",
            title="backward pass accumulating outer products per sample, σ′ from stored z, "
                  "returning [dW, db] lists",
            source='''
def backward_pass(params, x, y):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    grads = [[np.zeros(np.shape(W)), np.zeros(np.shape(b))] for W, b in params]
    for n in range(x.shape[0]):
        acts, zs = [x[n]], []
        for l, (W, b) in enumerate(params):
            zs.append(np.asarray(W) @ acts[-1] + np.asarray(b))
            acts.append(zs[-1] if l == len(params) - 1 else sigmoid(zs[-1]))
        delta = acts[-1] - y[n]
        for l in range(len(params) - 1, -1, -1):
            grads[l][0] += np.outer(delta, acts[l])
            grads[l][1] += delta
            if l > 0:
                delta = (np.asarray(params[l][0]).T @ delta) * sigmoid_derivative(zs[l - 1])
    return grads
'''),
    Variant(id="numerical_gradient_flat_views", function="numerical_gradient",
            title="central differences over a flattened copy, perturbation vectors from np.eye",
            source='''
def numerical_gradient(f, theta, eps=1e-6):
    theta = np.asarray(theta, dtype=np.float64)
    flat = theta.ravel().copy()
    basis = np.eye(flat.size) * eps
    grad = np.array([(float(f((flat + e).reshape(theta.shape)))
                      - float(f((flat - e).reshape(theta.shape)))) / (2 * eps) for e in basis])
    return grad.reshape(theta.shape)
'''),
]

VARIANTS += [
    Variant(id="sigmoid_piecewise_masked", function="sigmoid",
            title="σ piecewise by boolean masks, each branch exponentiating only -|z|",
            source='''
def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out
'''),
    Variant(id="sigmoid_exp_of_min", function="sigmoid",
            title="σ(z) = exp(min(z, 0)) / (1 + exp(-|z|)) in one expression",
            source='''
def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(np.minimum(z, 0.0)) / (1.0 + np.exp(-np.abs(z)))
'''),
    Variant(id="sigmoid_derivative_sigmoid_of_minus_z", function="sigmoid_derivative",
            title="σ′(z) = σ(z)·σ(-z) (1 - σ(z) written as σ(-z))",
            source='''
def sigmoid_derivative(z):
    z = np.asarray(z, dtype=np.float64)
    return sigmoid(z) * sigmoid(-z)
'''),
    Variant(id="sigmoid_derivative_sech2", function="sigmoid_derivative",
            title="σ′(z) = ¼·(1 - tanh²(z/2)), the sech² form",
            source='''
def sigmoid_derivative(z):
    t = np.tanh(0.5 * np.asarray(z, dtype=np.float64))
    return 0.25 * (1.0 - t * t)
'''),
    Variant(id="forward_pass_einsum", function="forward_pass",
            title="forward pass with np.einsum for the affine step, σ through np.tanh",
            source='''
def forward_pass(params, x):
    acts = [np.array(x, dtype=np.float64)]
    for l, (W, b) in enumerate(params):
        z = np.einsum("ni,oi->no", acts[-1], np.asarray(W, dtype=np.float64)) + b
        acts.append(z if l == len(params) - 1 else 0.5 * (1.0 + np.tanh(0.5 * z)))
    return acts
'''),
    Variant(id="forward_pass_recursive", function="forward_pass",
            title="forward pass by recursion over the layers, a tuple of arrays returned",
            source='''
def _layers(params, a):
    if not params:
        return (a,)
    W, b = params[0]
    z = a @ np.transpose(W) + b
    return (a,) + _layers(params[1:], z if len(params) == 1 else sigmoid(z))


def forward_pass(params, x):
    return list(_layers(list(params), np.array(x, dtype=np.float64)))
'''),
    Variant(id="backward_pass_deltas_list_einsum", function="backward_pass",
            title="all δ_l stored in a list first, then dW by np.einsum and db by a loop sum",
            source='''
def backward_pass(params, x, y):
    acts = forward_pass(params, x)
    L = len(params)
    deltas = [None] * L
    deltas[-1] = acts[-1] - np.asarray(y, dtype=np.float64)
    for l in range(L - 2, -1, -1):
        a = acts[l + 1]
        deltas[l] = deltas[l + 1] @ np.asarray(params[l + 1][0]) * (a - a * a)
    grads = []
    for l in range(L):
        db = np.zeros(deltas[l].shape[1])
        for row in deltas[l]:
            db = db + row
        grads.append((np.einsum("no,ni->oi", deltas[l], acts[l]), db))
    return grads
'''),
    Variant(id="backward_pass_recursive", function="backward_pass",
            title="backward pass by recursion: each layer returns its input's δ and the "
                  "gradients above it",
            source='''
def _backprop(params, a, y):
    W, b = (np.asarray(p, dtype=np.float64) for p in params[0])
    z = a @ W.T + b
    if len(params) == 1:
        delta = z - y
        return delta @ W, [(delta.T @ a, delta.sum(axis=0))]
    up, grads = _backprop(params[1:], sigmoid(z), y)
    delta = up * sigmoid_derivative(z)
    return delta @ W, [(delta.T @ a, delta.sum(axis=0))] + grads


def backward_pass(params, x, y):
    return _backprop(list(params), np.asarray(x, dtype=np.float64),
                     np.asarray(y, dtype=np.float64))[1]
'''),
    Variant(id="numerical_gradient_nditer", function="numerical_gradient",
            title="central differences walking theta with np.nditer's multi_index",
            source='''
def numerical_gradient(f, theta, eps=1e-6):
    theta = np.asarray(theta, dtype=np.float64)
    grad = np.empty(theta.shape)
    it = np.nditer(theta, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        up, down = theta.copy(), theta.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (f(up) - f(down)) / (2 * eps)
    return grad
'''),
    Variant(id="numerical_gradient_flat_index", function="numerical_gradient",
            title="central differences by flat index into reshaped copies",
            source='''
def numerical_gradient(f, theta, eps=1e-6):
    theta = np.array(theta, dtype=np.float64)
    grad = np.zeros(theta.size)
    for k in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up.reshape(-1)[k] += eps
        down.reshape(-1)[k] -= eps
        grad[k] = (float(f(up)) - float(f(down))) / (2.0 * eps)
    return grad.reshape(theta.shape)
'''),
]


def _degenerate(id: str, function: str, title: str, args: str, body: str) -> Degenerate:
    """A one-line degenerate ``function``, isolated to that function."""
    return Degenerate(id=id, function=function, title=f"{function} {title}",
                      source=isolate("backprop", function,
                                     f"def {function}({args}):\n    return {body}\n"))


DEGENERATES = degenerate_family("backprop", {
    "sigmoid": ["zeros", "ones", "uniform", "noise", "identity"],
    "sigmoid_derivative": ["zeros", "ones", "noise", "identity"],
    "forward_pass": ["zeros", "ones", "noise"],
    "backward_pass": ["zeros", "ones", "noise"],
    "numerical_gradient": ["zeros", "ones", "noise", "identity"],
}) + [
    # σ(0) everywhere: right where strategies shrink to, and σ(-z) = 1 - σ(z) holds
    _degenerate("sigmoid_half", "sigmoid", "returns 0.5 everywhere", "z",
                "np.full(np.shape(z), 0.5)"),
    # σ′(0) everywhere: right at z = 0
    _degenerate("sigmoid_derivative_quarter", "sigmoid_derivative", "returns 0.25 everywhere",
                "z", "np.full(np.shape(z), 0.25)"),
    _degenerate("forward_pass_repeated_input", "forward_pass", "returns [x] * (L + 1)",
                "params, x", "[np.array(x, dtype=np.float64)] * (len(params) + 1)"),
    # right shapes for any "gradients match params' shapes" check, values of the weights
    _degenerate("backward_pass_returns_params", "backward_pass", "returns params as the "
                "gradients", "params, x, y",
                "[(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in params]"),
]
