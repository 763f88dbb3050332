using System.Globalization;
using System.Text.RegularExpressions;

namespace Microsoft.ML.BornAgain;

public sealed partial record NetworkArchitecture
{
    private const string AcceptedForms =
        "PreActResNet-<depth>[-<widthFactor>], WRN-<depth>-<widenFactor>[-<dropoutRate>], " +
        "DenseNetBC-<depth>-<growthRate>[-<compression>[-<dropoutRate>]] (case-insensitive; " +
        "e.g. PreActResNet-20, WRN-28-10, WRN-28-10-0.3, DenseNetBC-100-12, DenseNetBC-100-12-0.5)";

    /// <summary>Reads a canonical name as written by <see cref="ToString"/>, ignoring case.</summary>
    /// <param name="name">
    /// <c>PreActResNet-&lt;depth&gt;[-&lt;widthFactor&gt;]</c>, <c>WRN-&lt;depth&gt;-&lt;widenFactor&gt;[-&lt;dropoutRate&gt;]</c>
    /// or <c>DenseNetBC-&lt;depth&gt;-&lt;growthRate&gt;[-&lt;compression&gt;[-&lt;dropoutRate&gt;]]</c>, e.g. <c>WRN-28-10</c>,
    /// <c>WRN-28-10-0.3</c>, <c>DenseNetBC-100-12</c>. Rates use '.' as the decimal separator.
    /// </param>
    /// <returns>The architecture the name describes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    /// <exception cref="FormatException">
    /// The name matches none of the forms, or its numbers break a rule of the family's factory (the message names the
    /// input, the rule and the accepted forms).
    /// </exception>
    public static NetworkArchitecture Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            if (PreActResNetName().Match(name) is { Success: true } resNet)
            {
                return PreActResNet(
                    ParseInt(resNet.Groups[1].Value, name),
                    resNet.Groups[2].Success ? ParseInt(resNet.Groups[2].Value, name) : 1);
            }

            if (WideResNetName().Match(name) is { Success: true } wide)
            {
                return WideResNet(
                    ParseInt(wide.Groups[1].Value, name),
                    ParseInt(wide.Groups[2].Value, name),
                    wide.Groups[3].Success ? ParseDouble(wide.Groups[3].Value, name) : 0);
            }

            if (DenseNetBCName().Match(name) is { Success: true } dense)
            {
                return DenseNetBC(
                    ParseInt(dense.Groups[1].Value, name),
                    ParseInt(dense.Groups[2].Value, name),
                    dense.Groups[3].Success ? ParseDouble(dense.Groups[3].Value, name) : DefaultCompression,
                    dense.Groups[4].Success ? ParseDouble(dense.Groups[4].Value, name) : 0);
            }
        }
        catch (ArgumentOutOfRangeException rule)
        {
            throw new FormatException(
                $"Network name '{name}' is not valid: {rule.Message.ReplaceLineEndings(" ")} Accepted forms: {AcceptedForms}.",
                rule);
        }

        throw new FormatException($"Network name '{name}' is not recognised. Accepted forms: {AcceptedForms}.");
    }

    private static int ParseInt(string digits, string name) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"Network name '{name}' has '{digits}', which is too large for an integer. Accepted forms: {AcceptedForms}.");

    private static double ParseDouble(string number, string name) =>
        double.TryParse(number, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"Network name '{name}' has '{number}', which is not a number. Accepted forms: {AcceptedForms}.");

    // Rates are written in round-trip form, which may use an exponent ("1E-05"): its sign must not split the name.
    private const string Number = @"([0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)";

    [GeneratedRegex(@"^PreActResNet-([0-9]+)(?:-([0-9]+))?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PreActResNetName();

    [GeneratedRegex(@"^WRN-([0-9]+)-([0-9]+)(?:-" + Number + ")?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WideResNetName();

    [GeneratedRegex(@"^DenseNetBC-([0-9]+)-([0-9]+)(?:-" + Number + "(?:-" + Number + ")?)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DenseNetBCName();
}
