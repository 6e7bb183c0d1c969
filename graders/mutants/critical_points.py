"""Known-wrong and correct-but-different implementations of ``critical_points``.

No exercise function of the reference calls another (the eigenvalue functions share only
the private ``_eigh``), so each entry replaces exactly the function it names.
"""

from graders.mutants import Mutant, Variant

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
]
