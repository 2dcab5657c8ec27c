"""Every constant the paper leaves unnamed, named once, with its value and a one-line reason.

Each value was declared before the check that uses it first ran, with a reason from the proofs
(the step cited), not from measured data. (c3_E went from 2 to 3.5 while E.1 was being written,
before its first run, from the derivation now in its reason; later edits changed wording only.)
The report shows the constants beside each statement's witness.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Constant:
    name: str
    value: float
    reason: str

    def describe(self) -> dict:
        return {"name": self.name, "value": self.value, "reason": self.reason}


C = Constant("C", 20.0,
             "the 'sufficiently large constant' of conditions (B.2)-(B.4)/(E.2)-(E.4); 20 makes "
             "beta <= 1.9 gamma / C <= 0.1 gamma (Lemma A.1), so the pattern flips within T1 "
             "(proof of Lemma B.5, (B.43)) for R <= R_MAX")
DELTA = Constant("delta", 0.1, "failure probability over the initialisation used in every condition")
R_MAX = Constant("R_max", 1.5,
                 "the proofs treat R = Rmax/Rmin as O(1) (their constants carry R^2 factors, e.g. "
                 "(B.43)); the strategies draw R in [1, R_max]")
C_PRIME = Constant("C'", 2.0,
                   "T1 = C' n m / (eta Rmax^2) (Lemma B.2); by (B.43) rho_{y_i,r,i}(T1) >= C' c~ gamma "
                   "Rmin^2/Rmax^2, about 0.44 gamma at C' = 2 with |l'| ~ 1/2 early and R <= R_max, "
                   "above beta <= 0.1 gamma (Lemma A.1 with sigma0 at its bound), so signs have settled")
C1_BALANCE = Constant("c1", 0.1,
                      "Lemma B.1's balance constant; the early phase gives sum_r|rho_{j,r,i}| / "
                      "sum_r|rho_{j',r,i'}| >= gamma Rmin^2/Rmax^2 (|l'| ~ 1/2 for all i), so the "
                      "ratio over gamma^2 is >= 1/R_max^2 = 0.44; 0.1 leaves room for |l'| imbalance")
SR_RATE_K = Constant("K", 5.0,
                     "Lemma C.3's rate: SR(W_j(t)) - 1 <= K / log t for t >= T1; the proof bounds "
                     "SR - 1 by (m ||w(0)||^2 + C' sum_r rho spread)/rho^2 ~ C'/log t; K = 5 leaves room")
SR_HORIZON_TOL = Constant("sr_tol", 0.2,
                          "SR(W_j) at the horizon must be within 0.2 of its limit 1 (Lemma C.3): the rate "
                          "K / log t with log T ~ 9 leaves SR - 1 well under 0.5; 0.2 is the sharp part")
E1_C1 = Constant("c1_E", 0.05,
                 "Lemma E.1 (i): rhobar_{y_i,r,i} >= c1 |rho_{j,r',i'}| for r in S_i(0); on orthogonal "
                 "data both grow like (m/|S_i(0)|) log t up to |l'| ratios, |S_i(0)| in [0.4m, 0.6m] "
                 "(Lemma A.2) and one neuron may trail by beta: 0.05")
E1_C2 = Constant("c2_E", 0.5,
                 "Lemma E.1 (ii) lower rate constant: H.2 applied to (E.6) gives c2 = 1 up to the "
                 "e^{-beta} already in the log; 0.5 for the crossing of the (1 - kappa) factor")
E1_C3 = Constant("c3_E", 3.5,
                 "Lemma E.1 (iii) upper rate constant: on orthogonal data the recursion solves to "
                 "rhobar ~ (m/|S_i(0)|) log(1 + a t), and |S_i(0)| >= 0.4 m (Lemma A.2) makes "
                 "m/|S_i(0)| <= 2.5 (the proof's c' = 2.5); 3.5 leaves room for the beta offset, cross "
                 "terms, and |S_i(0)| slightly below 0.4 m, since the ReLU strategies guarantee "
                 "m >= C log(n/delta), not A.2's 50 log(2n/delta)")
F2_LIMIT_TOL = Constant("f2_tol", 0.05,
                        "F.2's limit: the decade increment (rho(10t) - rho(t))/log 10 over the last "
                        "decade of the horizon within 5% of m/|S_i(0)| (the increment error decays "
                        "like 1/t; 5% at t >= 10^3 tau)")
H3_C = Constant("C_H3", 1.0,
                "for Gaussian entries ||A|| <= sqrt m + sqrt n + t w.p. >= 1 - exp(-t^2/2) "
                "(Davidson-Szarek) and K = ||N(0,1)||_psi2 = sqrt(8/3) > 1, so C = 1 is valid there; "
                "the property asks whether it also serves Rademacher and uniform entries")
ROUNDOFF = Constant("roundoff", 1e-9,
                    "relative tolerance for exact identities in float64 after up to 1e5 steps")
LOSS_RATE_K = Constant("K_loss", 1.0,
                       "Thm 4.1/4.3 loss rate: t^alpha L_S(W(t)) must not grow by more than a factor "
                       "(1 + K_loss) over the tail decade [T/10, T]; alpha as the theorem gives")
NORM_BAND = Constant("norm_band", 4.0,
                     "Thm 4.1 first bullet (Theta(log t)): the last decade's slope of ||w_{j,r}(t)|| "
                     "against log t is within a factor 4 of the slope predicted from margins ~ log t "
                     "and rho_{-y_i} = gamma rho_{y_i} (Lemma D.1)")
ALPHA_TEST = Constant("alpha", 0.01,
                      "significance level of the one-sided binomial tests for 'with probability "
                      ">= 1 - delta' statements (A.1, A.2, H.3)")
C_KAPPA = Constant("c_kappa", 4.0,
                   "the unnamed c in kappa = c gamma^-2 Rmin^-2 p n of Theorem 4.1 (alpha = (1-kappa)/"
                   "(1+kappa)); under (B.4) kappa <= c gamma^2 / C <= 0.2, so alpha >= 0.67")
C_SR_RELU = Constant("C_SR", 4.0,
                     "Theorem 4.3: limsup SR(W_j) <= C; Lemma F.3 gives the limit SR(A) ~ 2 (and "
                     "SR(W) in [16/9, 9]); twice that limit for the finite-size tail")
