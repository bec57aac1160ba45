using Rmote.TestRig;

namespace Rmote.Core.Tests.Tools;

/// <summary>Tests that need a disposable Debian (apt, users, services) share one cached root.</summary>
[CollectionDefinition("debian-root")]
public sealed class DebianRootCollection : ICollectionFixture<DebianRootFixture> { }
