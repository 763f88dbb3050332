using Microsoft.ML;
using Microsoft.ML.BornAgain.Serialization;
using Microsoft.ML.Runtime;

// ML.NET finds the loader through this attribute when Model.Load meets our entry (its header names this assembly).
[assembly: LoadableClass(typeof(ITransformer), typeof(Microsoft.ML.BornAgain.BornAgainTransformer), null, typeof(SignatureLoadModel),
    "Born-Again transformer", ModelFormat.LoaderSignature)]

namespace Microsoft.ML.BornAgain;

// The transformer's side of ML.NET's model zip, kept with the serialization code that uses ML.NET's internal
// save/load types (this folder and MLNet/ are the only places allowed to).
public sealed partial class BornAgainTransformer
{
    void ICanSaveModel.Save(ModelSaveContext ctx) => BornAgainModelFile.Save(ctx, ToSaved());

    /// <summary>What the model file stores of this transformer.</summary>
    internal SavedTransformer ToSaved() =>
        new(Model, Labels, InputShape, ImageColumnName, ScoreColumnName, PredictedLabelColumnName, ScoringGenerations);

    /// <summary>Called by ML.NET's <c>Model.Load</c> (through the LoadableClass attribute); must return exactly ITransformer.</summary>
    private static ITransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        var saved = BornAgainModelFile.Load(ctx);
        try
        {
            return new BornAgainTransformer(saved.Model, saved.Labels, saved.InputShape, saved.ImageColumnName,
                saved.ScoreColumnName, saved.PredictedLabelColumnName, saved.ScoringGenerations);
        }
        catch
        {
            saved.Model.Dispose();
            throw;
        }
    }
}
