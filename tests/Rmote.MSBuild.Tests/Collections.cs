using Rmote.TestRig;

namespace Rmote.MSBuild.Tests;

[CollectionDefinition("msbuild-ssh")]
public sealed class MsBuildSshCollection : ICollectionFixture<SshFleetFixture>, ICollectionFixture<PackedFeed> { }

[CollectionDefinition("msbuild-local")]
public sealed class MsBuildLocalCollection : ICollectionFixture<PackedFeed> { }
