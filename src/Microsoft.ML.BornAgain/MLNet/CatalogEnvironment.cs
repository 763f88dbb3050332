using Microsoft.ML.Runtime;

namespace Microsoft.ML.BornAgain.MLNet;

/// <summary>The ML.NET environment behind a trainers catalog (internal in ML.NET; publicized for this library).</summary>
internal static class CatalogEnvironment
{
    public static IHostEnvironment Of(TrainCatalogBase.CatalogInstantiatorBase catalog) => catalog.Owner.Environment;
}
