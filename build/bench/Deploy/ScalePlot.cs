using ScottPlot;

/// <summary>The scale part's plot: time and controller memory against host count, one line per tool and work.</summary>
static class ScalePlot
{
    public static void Write(string path, IReadOnlyList<(int Hosts, string Series, double Seconds, double ControllerMiB)> points, string subtitle)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        Fill(multiplot.GetPlot(0), points, p => p.Seconds, "time (s)", "Time against hosts: " + subtitle);
        Fill(multiplot.GetPlot(1), points, p => p.ControllerMiB, "controller peak RSS (MiB), ssh clients excluded", "Controller memory against hosts");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        multiplot.SavePng(path, 1000, 1000);
    }

    static void Fill(Plot plot, IReadOnlyList<(int Hosts, string Series, double Seconds, double ControllerMiB)> points,
        Func<(int Hosts, string Series, double Seconds, double ControllerMiB), double> y, string yLabel, string title)
    {
        foreach (var series in points.GroupBy(p => p.Series))
        {
            var ordered = series.OrderBy(p => p.Hosts).ToArray();
            var line = plot.Add.Scatter(ordered.Select(p => (double)p.Hosts).ToArray(), ordered.Select(y).ToArray());
            line.LegendText = series.Key;
            line.MarkerSize = 7;
        }
        // Ticks at the measured host counts only.
        var counts = points.Select(p => (double)p.Hosts).Distinct().Order().ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(counts, counts.Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimitsY(0, points.Max(y) * 1.1);
        plot.Title(title);
        plot.XLabel("hosts");
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperLeft);
    }
}
