using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace BornAgain.Service;

/// <summary>The image bytes of a <c>POST /predict</c> request, or the problem (status and message) that rejects it.</summary>
public sealed record ImageUpload(byte[]? Bytes, int Status, string Title, string Detail)
{
    /// <summary>
    /// Reads the request: a multipart form (the file in field <c>image</c>, else its first file) or a raw body typed
    /// <c>image/*</c> or <c>application/octet-stream</c>. The whole body is capped at <paramref name="maxBodyBytes"/>
    /// (413 beyond), checked from Content-Length first and while reading (chunked bodies).
    /// </summary>
    public static async Task<ImageUpload> ReadAsync(HttpRequest request, long maxBodyBytes, CancellationToken cancellation)
    {
        if (request.ContentLength > maxBodyBytes)
            return TooLarge(maxBodyBytes);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || mediaType.MediaType.Value is not { } type)
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                "Send the image as multipart/form-data (field 'image') or as a raw body typed image/* or application/octet-stream.");
        }

        bool multipart = type.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);
        bool raw = type.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
            || type.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase);
        if (!multipart && !raw)
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                $"Content type '{type}' is not accepted: send multipart/form-data (field 'image') or a raw image/* or application/octet-stream body.");
        }

        // Let Kestrel enforce the same cap on the connection (TestServer has no such feature; the copy below still does).
        var sizeFeature = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
            sizeFeature.MaxRequestBodySize = maxBodyBytes;
        var body = new MemoryStream();
        try
        {
            var buffer = new byte[81920];
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancellation)) > 0)
            {
                if (body.Length + read > maxBodyBytes)
                    return TooLarge(maxBodyBytes);
                body.Write(buffer, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(maxBodyBytes);
        }
        body.Position = 0;

        if (raw)
            return body.Length == 0 ? NoImage("The request body is empty.") : new ImageUpload(body.ToArray(), 200, "", "");

        request.Body = body;
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellation);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return Problem(StatusCodes.Status400BadRequest, "Malformed multipart form", e.Message);
        }
        var file = form.Files.GetFile("image") ?? form.Files.FirstOrDefault();
        if (file is null || file.Length == 0)
            return NoImage("The form has no file: send the image in the multipart field 'image'.");
        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
            await stream.ReadExactlyAsync(bytes, cancellation);
        return new ImageUpload(bytes, 200, "", "");
    }

    public static ImageUpload Problem(int status, string title, string detail) => new(null, status, title, detail);

    private static ImageUpload NoImage(string detail) => Problem(StatusCodes.Status400BadRequest, "No image", detail);

    private static ImageUpload TooLarge(long maxBodyBytes) => Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large",
        $"The request body is larger than the configured limit of {maxBodyBytes} bytes (Predict:MaxBodyBytes).");
}
