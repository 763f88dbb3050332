namespace Microsoft.ML.BornAgain;

/// <summary>
/// The objective a student generation is trained with (Furlanello et al., "Born Again Neural Networks", ICML 2018).
/// </summary>
/// <remarks>
/// <para>
/// Names: each member is spelled out and matches the internal loss class of the same name; the paper's abbreviations
/// are BAN, BAN+L, KD (Hinton's knowledge distillation), CWTM and DKPP.
/// </para>
/// <para>
/// Notation: student logits z with probabilities q = softmax(z), teacher logits t with probabilities p = softmax(t),
/// a mini-batch of b samples s, label y_s. The teacher is frozen: its outputs are constants and receive no gradient.
/// Every kind returns a scalar averaged over the batch (CWTM uses its own weights that sum to 1 instead of 1/b).
/// </para>
/// <para>
/// The teacher generation (generation 0) is always trained on the labels alone (paper Eq. 1); these kinds apply to
/// generations 1, 2, and so on, each taught by the one before it (Eq. 2, 3).
/// </para>
/// </remarks>
public enum BornAgainLoss
{
    /// <summary>
    /// BAN (Sec. 3.1, Eq. 2; "BAN" column of Table 2): cross-entropy between the teacher's and the student's output
    /// distributions, with no label term and no temperature (T = 1):
    /// L = (1/b) Σ_s −Σ_i p_{i,s} log q_{i,s}. Gradient w.r.t. z_i is (q_i − p_i)/b (Eq. 5).
    /// </summary>
    Ban,

    /// <summary>
    /// BAN+L (Sec. 3.1; "BAN+L" column of Table 2, used for the language models of Sec. 5.3): the label cross-entropy
    /// plus the BAN term, L = w · CE(y, q) + (1 − w) · BAN, where w is the label weight in [0, 1]. The paper does not
    /// give the relative weight, so it is a parameter.
    /// </summary>
    BanPlusLabels,

    /// <summary>
    /// KD, knowledge distillation of Hinton et al. 2015 (arXiv:1503.02531, Sec. 2), which the BAN paper contrasts in
    /// Sec. 2.1: L = α · CE(y, q) + (1 − α) · T² · KL(softmax(t/T) ‖ softmax(z/T)), where the KL divergence is summed
    /// over classes and averaged over the batch ("batchmean"), α is the label weight and T the temperature.
    /// The T² factor keeps the soft-target gradient's scale independent of T.
    /// </summary>
    HintonDistillation,

    /// <summary>
    /// CWTM, Confidence-Weighted by Teacher Max (Sec. 3.2, Eq. 10; "CWTM" column of Table 2): the label cross-entropy
    /// with each sample weighted by the teacher's confidence, L = −Σ_s w_s log q_{y_s,s} with
    /// w_s = max_j p_{j,s} / Σ_u max_j p_{j,u}. The weights sum to 1 over the batch, use the teacher's maximum even
    /// when the teacher is wrong, and discard every other teacher output.
    /// </summary>
    ConfidenceWeightedByTeacherMax,

    /// <summary>
    /// DKPP, Dark Knowledge with Permuted Predictions (Sec. 3.2, Eq. 11; "DKPP" column of Table 2): the BAN
    /// cross-entropy against a target that keeps the teacher's argmax probability in place and randomly permutes the
    /// other n − 1 probabilities over the other positions, L = (1/b) Σ_s −Σ_i p̃_{i,s} log q_{i,s}. A fresh permutation
    /// is drawn per sample on every call from the seeded generator, destroying class-similarity information while
    /// keeping every permutation-invariant statistic of the teacher's output.
    /// </summary>
    DarkKnowledgePermuted,
}
