"""Known-wrong and correct-but-different implementations of ``critical_points``.

No exercise function of the reference calls another (the eigenvalue functions share only
the private ``_eigh``), so each entry replaces exactly the function it names.
"""

import ast

from graders.mutants import Degenerate, Mutant, Variant, degenerate_family, reference_source

MUTANTS = [
    Mutant(id="two_weight_loss_half", function="two_weight_loss",
           title="loss with a ½ in front (the backprop convention)",
           source='''
def two_weight_loss(w, x=1.0, y=1.0):
    w = np.asarray(w, dtype=np.float64)
    return float(0.5 * (y - w[0] * w[1] * x) ** 2)
'''),
    Mutant(id="two_weight_gradient_sign", function="two_weight_gradient",
           title="gradient with the sign of the residual's derivative dropped",
           misconception="your gradient has the wrong sign: the residual y - w1·w2·x decreases "
                         "when w1 grows (for x·w2 > 0), so the chain rule brings a factor "
                         "-x·w2 (see the docstring's ∇L)",
           source='''
def two_weight_gradient(w, x=1.0, y=1.0):
    w = np.asarray(w, dtype=np.float64)
    r = y - w[0] * w[1] * x
    return np.array([2.0 * r * x * w[1], 2.0 * r * x * w[0]])
'''),
    Mutant(id="two_weight_hessian_no_product_rule", function="two_weight_hessian",
           title="off-diagonal 2x²w1w2 - 2xy: product rule missed (right at w = (0, 0) only)",
           misconception="your off-diagonal Hessian entry misses a term of the product rule: "
                         "d/dw2 of (-2·r·x·w2) has a part from r and a part from w2, giving "
                         "4x²w1w2 - 2xy; it only agrees with yours at the origin",
           source='''
def two_weight_hessian(w, x=1.0, y=1.0):
    w = np.asarray(w, dtype=np.float64)
    off = 2.0 * x * x * w[0] * w[1] - 2.0 * x * y
    return np.array([[2.0 * x * x * w[1] ** 2, off], [off, 2.0 * x * x * w[0] ** 2]])
'''),
    Mutant(id="numerical_hessian_one_sided", function="numerical_hessian",
           title="forward (one-sided) second differences",
           misconception="your numerical Hessian uses one-sided (forward) differences, off by "
                         "eps times the third derivative; the docstring's central differences "
                         "step both ways around theta",
           source='''
def numerical_hessian(f, theta, eps=1e-4):
    theta = np.array(theta, dtype=np.float64)
    n = theta.size

    def at(*moves):
        p = theta.copy()
        for i in moves:
            p[i] += eps
        return float(f(p))

    f0 = at()
    H = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            H[i, j] = (at(i, j) - at(i) - at(j) + f0) / eps**2
    return H
'''),
    Mutant(id="taylor_missing_half", function="taylor_approximation",
           title="second-order term without the ½",
           misconception="your Taylor approximation drops the ½ of the second-order term: "
                         "L ≈ L(θ0) + (θ-θ0)·g + ½ (θ-θ0)ᵀH(θ-θ0)",
           source='''
def taylor_approximation(loss0, g, H, theta, theta0):
    d = np.asarray(theta, dtype=np.float64) - np.asarray(theta0, dtype=np.float64)
    return float(loss0 + d @ np.asarray(g) + d @ np.asarray(H) @ d)
'''),
    Mutant(id="classify_zero_as_positive", function="classify_critical_point",
           title="zero eigenvalues counted as positive (λ >= -tol)",
           misconception="your test counts a zero eigenvalue as positive, so the lecture's "
                         "valley (eigenvalues {0, ·}) comes out a local minimum; a zero "
                         "eigenvalue makes the test inconclusive: 'degenerate'",
           source='''
def classify_critical_point(H, tol=1e-8):
    lam = np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))
    if np.all(lam >= -tol):
        return "local_min"
    if np.all(lam <= tol):
        return "local_max"
    return "saddle"
'''),
    Mutant(id="classify_hessian_diagonal", function="classify_critical_point",
           title="signs of the Hessian's diagonal instead of its eigenvalues",
           misconception="your test reads the signs of the diagonal entries of H; the test "
                         "needs the eigenvalues (the lecture's saddle has a zero diagonal)",
           source='''
def classify_critical_point(H, tol=1e-8):
    lam = np.diag(np.asarray(H, dtype=np.float64))
    positive, negative = np.any(lam > tol), np.any(lam < -tol)
    if positive and negative:
        return "saddle"
    if np.any(np.abs(lam) <= tol):
        return "degenerate"
    return "local_min" if positive else "local_max"
'''),
    Mutant(id="classify_zero_before_saddle", function="classify_critical_point",
           title="any zero eigenvalue -> 'degenerate', even with a sign change",
           misconception="your test answers 'degenerate' as soon as an eigenvalue is zero; "
                         "with strictly positive and strictly negative eigenvalues the point "
                         "is a saddle whatever the zeros do",
           source='''
def classify_critical_point(H, tol=1e-8):
    lam = np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))
    if np.any(np.abs(lam) <= tol):
        return "degenerate"
    if np.all(lam > 0):
        return "local_min"
    if np.all(lam < 0):
        return "local_max"
    return "saddle"
'''),
    Mutant(id="classify_ignores_tol", function="classify_critical_point",
           title="tolerance fixed at 1e-8, the tol argument ignored",
           source='''
def classify_critical_point(H, tol=1e-8):
    lam = np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))
    positive, negative = np.any(lam > 1e-8), np.any(lam < -1e-8)
    if positive and negative:
        return "saddle"
    if np.any(np.abs(lam) <= 1e-8):
        return "degenerate"
    return "local_min" if positive else "local_max"
'''),
    Mutant(id="escape_largest_eigenvector", function="escape_direction",
           title="eigenvector of the largest eigenvalue",
           misconception="your escape direction is the eigenvector of the largest eigenvalue, "
                         "along which the loss rises; escaping needs the most negative one "
                         "(eigh sorts ascending: the first column)",
           source='''
def escape_direction(H, tol=1e-8):
    lam, vecs = np.linalg.eigh(np.asarray(H, dtype=np.float64))
    if lam[0] >= -tol:
        return None
    return vecs[:, -1]
'''),
    Mutant(id="escape_eigenvector_row", function="escape_direction",
           title="a row of the eigenvector matrix instead of a column",
           source='''
def escape_direction(H, tol=1e-8):
    lam, vecs = np.linalg.eigh(np.asarray(H, dtype=np.float64))
    if lam[0] >= -tol:
        return None
    return vecs[0]
'''),
    Mutant(id="escape_never_none", function="escape_direction",
           title="always returns the lowest eigenvector, even at a minimum",
           source='''
def escape_direction(H, tol=1e-8):
    lam, vecs = np.linalg.eigh(np.asarray(H, dtype=np.float64))
    return vecs[:, 0]
'''),
    Mutant(id="minimum_ratio_counts_zeros", function="minimum_ratio",
           title="counts eigenvalues >= -tol (zeros as positive)",
           misconception="your minimum ratio counts zero eigenvalues as positive; only "
                         "λ > tol counts, so the lecture's valley has ratio 0.5, not 1",
           source='''
def minimum_ratio(H, tol=1e-8):
    lam = np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))
    return float(np.mean(lam >= -tol))
'''),
    Mutant(id="minimum_ratio_ignores_tol", function="minimum_ratio",
           title="counts λ > 0 (rounding noise of a zero eigenvalue counts)",
           source='''
def minimum_ratio(H, tol=1e-8):
    lam = np.linalg.eigvalsh(np.asarray(H, dtype=np.float64))
    return float(np.mean(lam > 0))
'''),
]

VARIANTS = [
    Variant(id="classify_counting_loops", function="classify_critical_point",
            title="counts positive / negative / zero eigenvalues with a Python loop",
            source='''
def classify_critical_point(H, tol=1e-8):
    pos = neg = zero = 0
    for lam in np.linalg.eigvalsh(np.asarray(H, dtype=np.float64)):
        if lam > tol:
            pos += 1
        elif lam < -tol:
            neg += 1
        else:
            zero += 1
    if pos and neg:
        return "saddle"
    if zero:
        return "degenerate"
    return "local_min" if pos else "local_max"
'''),
    Variant(id="escape_negated_eigenspace_mix", function="escape_direction",
            title="the negated, normalised sum of all eigenvectors of the smallest eigenvalue",
            source='''
def escape_direction(H, tol=1e-8):
    H = np.asarray(H, dtype=np.float64)
    lam, vecs = np.linalg.eigh(H)
    if lam[0] >= -tol:
        return None
    same = np.abs(lam - lam[0]) <= 1e-12 * max(1.0, abs(lam[0]))
    u = -vecs[:, same].sum(axis=1)
    return u / np.linalg.norm(u)
'''),
    Variant(id="numerical_hessian_gradient_of_gradient", function="numerical_hessian",
            title="central differences of a central-difference gradient, then symmetrised",
            source='''
def numerical_hessian(f, theta, eps=1e-4):
    theta = np.array(theta, dtype=np.float64)
    n = theta.size

    def grad(p):
        g = np.empty(n)
        for j in range(n):
            up, down = p.copy(), p.copy()
            up[j] += eps
            down[j] -= eps
            g[j] = (float(f(up)) - float(f(down))) / (2 * eps)
        return g

    H = np.empty((n, n))
    for i in range(n):
        up, down = theta.copy(), theta.copy()
        up[i] += eps
        down[i] -= eps
        H[i] = (grad(up) - grad(down)) / (2 * eps)
    return 0.5 * (H + H.T)
'''),
    Variant(id="taylor_einsum", function="taylor_approximation",
            title="the quadratic form written with np.einsum",
            source='''
def taylor_approximation(loss0, g, H, theta, theta0):
    d = np.subtract(theta, theta0, dtype=np.float64)
    return float(loss0) + float(np.dot(g, d)) + 0.5 * float(np.einsum("i,ij,j->", d, H, d))
'''),
    Variant(id="two_weight_via_residual", function="two_weight_hessian",
            title="Hessian from the residual's gradient: 2 J Jᵀ - 2 r ∂²(x w1 w2)",
            source='''
def two_weight_hessian(w, x=1.0, y=1.0):
    w1, w2 = np.asarray(w, dtype=np.float64)
    r = y - x * w1 * w2
    J = np.array([-x * w2, -x * w1])
    return 2.0 * np.outer(J, J) + 2.0 * r * np.array([[0.0, -x], [-x, 0.0]])
'''),
    Variant(id="minimum_ratio_mean", function="minimum_ratio",
            title="np.mean of a boolean mask of eigvalsh",
            source='''
def minimum_ratio(H, tol=1e-8):
    return float(np.mean(np.linalg.eigvalsh(np.asarray(H, dtype=np.float64)) > tol))
'''),
    Variant(id="two_weight_loss_expanded", function="two_weight_loss",
            title="the square expanded, y² - 2xy·w1w2 + (x·w1w2)² (cancels on the valley)",
            source='''
def two_weight_loss(w, x=1.0, y=1.0):
    p = float(np.prod(w)) * x
    return y * y - 2.0 * y * p + p * p
'''),
    Variant(id="two_weight_loss_square_of_error", function="two_weight_loss",
            title="np.square of the prediction error w1·w2·x - y",
            source='''
def two_weight_loss(w, x=1.0, y=1.0):
    return float(np.square(np.prod(np.asarray(w, dtype=np.float64)) * x - y))
'''),
    Variant(id="two_weight_gradient_chain_rule", function="two_weight_gradient",
            title="2(p - y)·∇p with p = x·w1·w2 and ∇p = x·(w2, w1) from the reversed weights",
            source='''
def two_weight_gradient(w, x=1.0, y=1.0):
    w = np.asarray(w, dtype=np.float64)
    p = x * w[0] * w[1]
    return 2.0 * (p - y) * x * w[::-1]
'''),
    Variant(id="two_weight_hessian_factored", function="two_weight_hessian",
            title="off-diagonal factored as 2x(2x·w1w2 - y), built with np.array of rows",
            source='''
def two_weight_hessian(w, x=1.0, y=1.0):
    w1, w2 = np.asarray(w, dtype=np.float64)
    c = 2.0 * x * (2.0 * x * w1 * w2 - y)
    return np.array([[2.0 * (x * w2) ** 2, c], [c, 2.0 * (x * w1) ** 2]])
'''),
    Variant(id="numerical_hessian_four_point_everywhere", function="numerical_hessian",
            title="the 4-point formula for every entry (diagonal steps 2·eps), vectorised "
                  "steps from np.eye",
            source='''
def numerical_hessian(f, theta, eps=1e-4):
    theta = np.array(theta, dtype=np.float64)
    E = np.eye(theta.size) * eps
    H = np.array([[f(theta + a + b) - f(theta + a - b) - f(theta - a + b) + f(theta - a - b)
                   for b in E] for a in E]) / (4 * eps * eps)
    return (H + H.T) / 2
'''),
    Variant(id="numerical_hessian_seven_point_mixed", function="numerical_hessian",
            title="mixed entries from f(+i+j), f(±i), f(±j), f(θ), f(-i-j) (7-point formula)",
            source='''
def numerical_hessian(f, theta, eps=1e-4):
    t = np.array(theta, dtype=np.float64)
    E = np.eye(t.size) * eps
    f0, up, down = f(t), [f(t + e) for e in E], [f(t - e) for e in E]
    H = np.diag([(u - 2 * f0 + d) / eps**2 for u, d in zip(up, down)])
    for i in range(t.size):
        for j in range(i + 1, t.size):
            H[i, j] = H[j, i] = (f(t + E[i] + E[j]) - up[i] - up[j] + 2 * f0 - down[i]
                                 - down[j] + f(t - E[i] - E[j])) / (2 * eps**2)
    return H
'''),
    Variant(id="taylor_factored_loop", function="taylor_approximation",
            title="loss0 + d·(g + ½Hd) summed in a Python loop",
            source='''
def taylor_approximation(loss0, g, H, theta, theta0):
    d = [float(a) - float(b) for a, b in zip(theta, theta0)]
    total = float(loss0)
    for i, di in enumerate(d):
        total += di * (float(g[i]) + 0.5 * sum(float(H[i][j]) * dj for j, dj in enumerate(d)))
    return total
'''),
    Variant(id="classify_eig_symmetrised_np_sum", function="classify_critical_point",
            title="np.linalg.eig of ½(H + Hᵀ) (real parts), counting with np.sum",
            source='''
def classify_critical_point(H, tol=1e-8):
    H = np.asarray(H, dtype=np.float64)
    lam = np.linalg.eig((H + H.T) / 2)[0].real
    pos, neg = int(np.sum(lam > tol)), int(np.sum(lam < -tol))
    if pos and neg:
        return "saddle"
    if pos + neg < lam.size:
        return "degenerate"
    return "local_min" if pos else "local_max"
'''),
    Variant(id="escape_eig_symmetrised", function="escape_direction",
            title="np.linalg.eig of ½(H + Hᵀ), argmin of the real eigenvalues, normalised",
            source='''
def escape_direction(H, tol=1e-8):
    H = np.asarray(H, dtype=np.float64)
    lam, vecs = np.linalg.eig((H + H.T) / 2)
    k = int(np.argmin(lam.real))
    if lam.real[k] >= -tol:
        return None
    return vecs[:, k].real / np.linalg.norm(vecs[:, k].real)
'''),
    Variant(id="escape_eigh_sign_fixed", function="escape_direction",
            title="eigh's first column with its sign fixed (largest entry positive)",
            source='''
def escape_direction(H, tol=1e-8):
    lam, vecs = np.linalg.eigh(np.asarray(H, dtype=np.float64))
    if lam[0] >= -tol:
        return None
    u = vecs[:, 0]
    return u if u[np.argmax(np.abs(u))] > 0 else -u
'''),
    Variant(id="minimum_ratio_eig_loop", function="minimum_ratio",
            title="np.linalg.eig of the symmetrised H, positives counted in a loop",
            source='''
def minimum_ratio(H, tol=1e-8):
    H = np.asarray(H, dtype=np.float64)
    positive = 0
    lam = np.linalg.eig(0.5 * (H + H.T))[0]
    for v in lam.real:
        if v > tol:
            positive += 1
    return positive / len(lam)
'''),
]


def _degenerate(id: str, function: str, title: str, body: str) -> Degenerate:
    """A one-line degenerate ``function`` with the reference's signature (no isolate needed)."""
    node = next(n for n in ast.parse(reference_source("critical_points")).body
                if isinstance(n, ast.FunctionDef) and n.name == function)
    return Degenerate(id=id, function=function, title=f"{function} {title}",
                      source=f"def {function}({ast.unparse(node.args)}):\n    return {body}\n")


DEGENERATES = degenerate_family("critical_points", {
    # each right somewhere: zeros is the loss on the valley and the gradient at every critical
    # point; identity returns loss0, right when theta == theta0
    "two_weight_loss": ["zeros", "ones", "noise"],
    "two_weight_gradient": ["zeros", "ones", "noise", "identity"],
    "two_weight_hessian": ["zeros", "ones", "noise"],
    "numerical_hessian": ["zeros", "ones", "noise"],
    "taylor_approximation": ["zeros", "ones", "noise", "identity"],
    "escape_direction": ["zeros", "ones", "noise"],
    "minimum_ratio": ["zeros", "ones", "noise"],
}) + [
    _degenerate(f"classify_always_{label}", "classify_critical_point",
                f"always returns {label!r}", repr(label))
    for label in ("saddle", "degenerate", "local_min", "local_max")
] + [_degenerate(*entry) for entry in [
    # (id, function, title, body), each right somewhere: the identity is symmetric; None is
    # right wherever no eigenvalue is below -tol, e_1 for a diagonal H with the most
    # negative entry first, (1, ..., 1)/√n and 0.5 at the lecture's saddle w = (0, 0)
    ("two_weight_hessian_identity_matrix", "two_weight_hessian", "returns np.eye(2)", "np.eye(2)"),
    ("numerical_hessian_identity_matrix", "numerical_hessian", "returns the identity matrix",
     "np.eye(np.size(theta))"),
    ("escape_always_none", "escape_direction", "always returns None", "None"),
    ("escape_fixed_first_axis", "escape_direction", "returns e_1", "np.eye(len(H))[0]"),
    ("escape_fixed_diagonal", "escape_direction", "returns (1, ..., 1)/√n",
     "np.ones(len(H)) / np.sqrt(len(H))"),
    ("minimum_ratio_half", "minimum_ratio", "always returns 0.5", "0.5"),
]]
