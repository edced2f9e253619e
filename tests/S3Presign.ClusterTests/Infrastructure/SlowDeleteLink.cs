using System.Net;
using System.Net.Sockets;
using System.Text;

namespace S3Presign.ClusterTests.Infrastructure;

/// <summary>
/// A TCP relay in front of the gateway that, once <see cref="Holding"/> is set, holds every S3 multi-object delete
/// (<c>POST /bucket?delete</c>, what the sweeper sends after a claim) for <see cref="Delay"/> before passing it on;
/// everything else passes at once. The instance that talks to S3 through it is then mid-sweep for at least that long
/// after each claim, so a <c>kill -9</c> sent when it logs the claim lands between the claim and the delete every time,
/// not only when the timing happens to suit. When the gateway is down, connections through the relay fail the way
/// direct ones do (accepted, then closed).
/// </summary>
internal sealed class SlowDeleteLink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly int _upstreamPort;
    private readonly Task _accepting;
    private int _heldDeletes;
    private int _holding;

    public SlowDeleteLink(Uri upstream, TimeSpan delay)
    {
        _upstreamPort = upstream.Port;
        Delay = delay;
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    public Uri Url { get; }

    public TimeSpan Delay { get; }

    /// <summary>Gets or sets whether multi-object deletes are held.</summary>
    public bool Holding
    {
        get => Volatile.Read(ref _holding) == 1;
        set => Volatile.Write(ref _holding, value ? 1 : 0);
    }

    public int HeldDeletes => Volatile.Read(ref _heldDeletes);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
                var fromClient = client.GetStream();
                var toServer = upstream.GetStream();
                await Task.WhenAny(PumpAsync(fromClient, toServer, holdDeletes: true), PumpAsync(toServer, fromClient, holdDeletes: false));
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // Gateway down or a side hung up: closing both ends is what a broken link does.
            }
        }
    }

    private async Task PumpAsync(Stream from, Stream to, bool holdDeletes)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                if (holdDeletes && Holding && IsMultiObjectDelete(buffer.AsSpan(0, read)))
                {
                    Interlocked.Increment(ref _heldDeletes);
                    await Task.Delay(Delay, _stop.Token);
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>The request line of an S3 DeleteObjects call: <c>POST /bucket?delete… HTTP/1.1</c>.</summary>
    private static bool IsMultiObjectDelete(ReadOnlySpan<byte> chunk)
    {
        var end = chunk.IndexOf((byte)'\n');
        var line = Encoding.ASCII.GetString(end < 0 ? chunk[..Math.Min(chunk.Length, 512)] : chunk[..end]);
        return line.StartsWith("POST ", StringComparison.Ordinal) && line.Contains("?delete", StringComparison.Ordinal);
    }
}
