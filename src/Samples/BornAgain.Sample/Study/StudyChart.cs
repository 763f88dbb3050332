using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using OxyPlot.SkiaSharp;

namespace Microsoft.ML.BornAgain.Sample.Study;

/// <summary>
/// A data set's chart: test error by generation (Teacher, BAN-1..BAN-k) with ± SD error bars, the ensembles and the
/// one-generation ablations next to BAN-1, and the teacher with label smoothing and the compute-matched control as
/// horizontal lines.
/// </summary>
internal static class StudyChart
{
    public static void Save(StudyDataset dataset, IReadOnlyList<StudyRow> rows, StudySettings settings, string path)
    {
        int k = settings.Generations;
        var model = new PlotModel
        {
            Title = $"{dataset}: test error by generation ({settings.Network}, {settings.Epochs} epoch{(settings.Epochs == 1 ? "" : "s")} " +
                $"per generation, mean ± SD of {settings.Seeds} seeds)",
            TitleFontSize = 13,
            Background = OxyColors.White,
        };
        model.Axes.Add(new LinearAxis
        {
            Position = AxisPosition.Bottom, Minimum = -0.5, Maximum = k + 0.8, MajorStep = 1, MinorStep = 1,
            LabelFormatter = x => x == 0 ? "Teacher" : x > 0 && x <= k && x == Math.Round(x) ? $"BAN-{x:0}" : "",
            Title = "Generation",
        });
        // OxyPlot scales the axis to the points, not to their error bars: the range is set from mean ± SD of every row.
        var extremes = rows.Where(r => r.Summary.Count > 0)
            .SelectMany(r => new[] { r.Summary.Mean - Sd(r), r.Summary.Mean + Sd(r) }).DefaultIfEmpty(0).ToList();
        double padding = Math.Max(0.2, 0.08 * 100 * (extremes.Max() - extremes.Min()));
        model.Axes.Add(new LinearAxis
        {
            Position = AxisPosition.Left, Title = "Test error (%)", MajorGridlineStyle = LineStyle.Dot,
            Minimum = 100 * extremes.Min() - padding, Maximum = 100 * extremes.Max() + padding,
        });
        model.Legends.Add(new Legend { LegendPlacement = LegendPlacement.Outside, LegendPosition = LegendPosition.RightTop });

        var byName = rows.ToDictionary(r => r.Name);
        var chain = Series("Teacher and BAN-j (Ban loss)", OxySeries.Chain, MarkerType.Circle);
        // A study run with --methods has only some rows: what is missing is not drawn.
        if (byName.TryGetValue(StudyRows.Teacher, out var teacher))
            chain.Points.Add(Point(0, teacher));
        for (int g = 1; g <= k; g++)
        {
            if (byName.TryGetValue(StudyRows.Ban(g), out var ban))
                chain.Points.Add(Point(g, ban));
        }
        model.Series.Add(chain);
        model.Series.Add(new LineSeries { Color = OxySeries.Chain, StrokeThickness = 1.5, ItemsSource = chain.Points, DataFieldX = "X", DataFieldY = "Y" });

        if (k >= 2)
        {
            var ensembles = Series("Ens*j (BAN-1..BAN-j averaged)", OxySeries.Ensemble, MarkerType.Diamond);
            for (int j = 2; j <= k; j++)
            {
                if (byName.TryGetValue($"Ens*{j}", out var ensemble))
                    ensembles.Points.Add(Point(j + 0.15, ensemble));
            }
            model.Series.Add(ensembles);
        }

        // The ablations are one generation each: drawn just right of BAN-1, one marker per loss.
        var ablations = rows.Where(r => r.Name.StartsWith("BAN-1 with", StringComparison.Ordinal)).ToList();
        var markers = new[] { MarkerType.Square, MarkerType.Triangle, MarkerType.Cross, MarkerType.Star };
        for (int a = 0; a < ablations.Count; a++)
        {
            var series = Series(ablations[a].Name, OxySeries.Ablations[a % OxySeries.Ablations.Length], markers[a % markers.Length]);
            series.Points.Add(Point(1.15 + 0.1 * a, ablations[a]));
            model.Series.Add(series);
        }

        if (byName.TryGetValue(StudyRows.LabelSmoothing, out var labelSmoothing))
            AddLine(model, labelSmoothing, OxySeries.LabelSmoothing, LineStyle.Dot);
        if (byName.TryGetValue(StudyRows.Control(k + 1), out var control))
            AddLine(model, control, OxySeries.Control, LineStyle.Dash);

        using var stream = File.Create(path);
        new PngExporter { Width = 1200, Height = 600 }.Export(model, stream);
    }

    private static ScatterErrorSeries Series(string title, OxyColor color, MarkerType marker) => new()
    {
        // Cross and star markers are strokes only: they need MarkerStroke to be visible.
        Title = title, MarkerType = marker, MarkerSize = 5, MarkerFill = color, MarkerStroke = color, MarkerStrokeThickness = 1.5,
        ErrorBarColor = color, ErrorBarStrokeThickness = 1.5,
    };

    private static ScatterErrorPoint Point(double x, StudyRow row) => new(x, 100 * row.Summary.Mean, 0, 100 * Sd(row));

    /// <summary>The row's SD, 0 for a single seed (no error bar rather than none of the point).</summary>
    private static double Sd(StudyRow row) => double.IsNaN(row.Summary.StandardDeviation) ? 0 : row.Summary.StandardDeviation;

    /// <summary>A horizontal line at the row's mean, labelled with its name (no generations: one network).</summary>
    private static void AddLine(PlotModel model, StudyRow row, OxyColor color, LineStyle style)
    {
        if (row.Summary.Count == 0)
            return;
        model.Annotations.Add(new LineAnnotation
        {
            Type = LineAnnotationType.Horizontal, Y = 100 * row.Summary.Mean, Color = color, LineStyle = style, StrokeThickness = 1.5,
            Text = $"{row.Name}: {StudyReport.FormatSummary(row.Summary)}", TextColor = color,
        });
    }

    private static class OxySeries
    {
        public static readonly OxyColor Chain = OxyColor.FromRgb(31, 119, 180);
        public static readonly OxyColor Ensemble = OxyColor.FromRgb(44, 160, 44);
        public static readonly OxyColor LabelSmoothing = OxyColor.FromRgb(148, 103, 189);
        public static readonly OxyColor Control = OxyColor.FromRgb(214, 39, 40);
        public static readonly OxyColor[] Ablations =
        [
            OxyColor.FromRgb(255, 127, 14), OxyColor.FromRgb(140, 86, 75), OxyColor.FromRgb(227, 119, 194), OxyColor.FromRgb(127, 127, 127),
        ];
    }
}
