using S3Presign.Storage;
using S3Presign.Testing;

namespace S3Presign.Tests.Storage;

public sealed class InMemoryPendingUploadStoreTests : PendingUploadStoreContractTests
{
    protected override ValueTask<IPendingUploadStore> CreateStoreAsync() =>
        ValueTask.FromResult<IPendingUploadStore>(new InMemoryPendingUploadStore());
}
