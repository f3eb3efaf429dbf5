namespace EdgeCache.Hosting;

/// <summary>The public listener's own address, known once it has started (warming sends requests through it).</summary>
internal sealed class PublicAddress
{
    private readonly TaskCompletionSource<Uri> _value = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Uri Value => _value.Task.IsCompletedSuccessfully ? _value.Task.Result : throw new InvalidOperationException("The public listener has not started yet");

    /// <summary>Completes when the listener is up.</summary>
    public Task<Uri> WhenKnown => _value.Task;

    public void Set(Uri value) => _value.TrySetResult(value);
}
