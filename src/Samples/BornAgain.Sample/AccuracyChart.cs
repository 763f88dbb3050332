using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using OxyPlot.SkiaSharp;

namespace Microsoft.ML.BornAgain.Sample;

/// <summary>
/// The PNG chart of the report: validation accuracy after every epoch, one line per network and generation,
/// averaged over the seeds when there are several.
/// </summary>
/// <remarks>
/// Drawn with OxyPlot, not ScottPlot 5: ScottPlot 5.1 needs SkiaSharp 3, and with SkiaSharp 3 in the process
/// ML.NET ImageAnalytics 5 fails on every image (MissingMethodException for SKBitmap.GetPixelSpan in
/// MLImage.Pixels). OxyPlot.SkiaSharp 2.2 uses SkiaSharp 2.88, the version ML.NET is built against.
/// </remarks>
internal static class AccuracyChart
{
    public static void Save(IReadOnlyList<NetworkRunResult> results, int seeds, string path)
    {
        var networks = results.Select(r => r.Network.ToString()).Distinct().ToList();
        string title = networks.Count == 1 ? $"{networks[0]}: validation accuracy per epoch" : "Validation accuracy per epoch";
        var model = new PlotModel { Title = seeds > 1 ? $"{title} (mean of {seeds} seeds)" : title, Background = OxyColors.White };
        model.Axes.Add(new LinearAxis
        {
            Position = AxisPosition.Bottom, Title = "Epoch (within the generation)", MinimumMajorStep = 1, MinimumMinorStep = 1,
            MajorGridlineStyle = LineStyle.Dot,
        });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "Validation accuracy (%)", MajorGridlineStyle = LineStyle.Dot });
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.BottomRight, LegendBackground = OxyColor.FromAColor(220, OxyColors.White) });

        var lines = results
            .SelectMany(r => r.Epochs.Select(e => (Network: r.Network.ToString(), Epoch: e)))
            .Where(x => x.Epoch.ValidationAccuracy is not null)
            .GroupBy(x => (x.Network, x.Epoch.Generation));
        foreach (var line in lines)
        {
            string generation = line.Key.Generation == 0 ? "Teacher" : $"BAN-{line.Key.Generation}";
            var series = new LineSeries
            {
                Title = networks.Count > 1 ? $"{line.Key.Network} {generation}" : generation,
                StrokeThickness = 2,
                MarkerType = MarkerType.Circle,
                MarkerSize = 3,
                // The label-trained teacher dashed, its students solid.
                LineStyle = line.Key.Generation == 0 ? LineStyle.Dash : LineStyle.Solid,
            };
            foreach (var epoch in line.GroupBy(x => x.Epoch.Epoch).OrderBy(e => e.Key))
                series.Points.Add(new DataPoint(epoch.Key, 100 * epoch.Average(x => x.Epoch.ValidationAccuracy!.Value)));
            model.Series.Add(series);
        }

        using var stream = File.Create(path);
        new PngExporter { Width = 900, Height = 560 }.Export(model, stream);
    }
}
