using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.BornAgain.Sample.Study;

/// <summary>
/// Resume at run granularity: every finished run is one JSON file, <c>runs/&lt;dataset&gt;/&lt;method&gt;-seed&lt;seed&gt;.json</c>,
/// written atomically (temporary file, then rename), so a study stopped at any moment loses at most the run in
/// progress, and a rerun skips every run whose file is there.
/// </summary>
internal sealed class StudyRunStore
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly string _folder;
    private readonly string _fingerprint;

    public StudyRunStore(string reportFolder, string fingerprint)
    {
        _folder = Path.Combine(reportFolder, "runs");
        _fingerprint = fingerprint;
    }

    /// <summary>The file of a run.</summary>
    public string PathOf(StudyDataset dataset, StudyMethod method, int seed) =>
        Path.Combine(_folder, dataset.ToString(), $"{method.Id}-seed{seed}.json");

    /// <summary>
    /// The stored result of a run, or null if it has not finished yet. A result trained with other settings is an
    /// error, not something to skip or mix into the table silently.
    /// </summary>
    public StudyRunResult? TryLoad(StudyDataset dataset, StudyMethod method, int seed)
    {
        string path = PathOf(dataset, method, seed);
        if (!File.Exists(path))
            return null;
        StudyRunResult? result;
        try
        {
            result = JsonSerializer.Deserialize<StudyRunResult>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Study run file '{path}' is not a run result ({e.Message}). Delete it to train that run again.", e);
        }
        if (result is null || result.TestErrors is null)
            throw new InvalidDataException($"Study run file '{path}' is empty. Delete it to train that run again.");
        if (result.Fingerprint != _fingerprint)
        {
            throw new InvalidOperationException(
                $"The report folder holds run '{path}' trained with other settings ({result.Fingerprint}); this study uses " +
                $"{_fingerprint}. Use another --output folder, or delete '{_folder}' to start over.");
        }

        return result;
    }

    /// <summary>The model zip of a seed's teacher, which the runs that start from it continue.</summary>
    public string ModelPathOf(StudyDataset dataset, int seed) =>
        Path.Combine(_folder, dataset.ToString(), $"{StudyMethod.Teacher.Id}-seed{seed}.zip");

    /// <summary>Where a run keeps its per-epoch training checkpoint while it trains (deleted once the run is stored).</summary>
    public string CheckpointFolderOf(StudyDataset dataset, StudyMethod method, int seed) =>
        Path.Combine(_folder, dataset.ToString(), "in-progress", $"{method.Id}-seed{seed}");

    /// <summary>Saves the teacher's fitted pipeline atomically (temporary file, then rename), before its result file.</summary>
    public void SaveModel(MLContext ml, ITransformer model, DataViewSchema schema, StudyDataset dataset, int seed)
    {
        string path = ModelPathOf(dataset, seed);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = path + ".tmp";
        ml.Model.Save(model, schema, temporary);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Removes a finished run's checkpoint folder.</summary>
    public void DeleteCheckpoint(StudyDataset dataset, StudyMethod method, int seed)
    {
        string folder = CheckpointFolderOf(dataset, method, seed);
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }

    public void Save(StudyRunResult result, StudyMethod method)
    {
        string path = PathOf(result.Dataset, method, result.Seed);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(result, Json));
        File.Move(temporary, path, overwrite: true);
    }
}
