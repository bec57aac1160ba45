// A tiny app deployed by `dotnet msbuild -t:Deploy`: it reads the config file rendered on the host and says
// which release it is, so the deploy can prove the new release actually runs.
var configPath = args.Length > 0 ? args[0] : "app.conf";
var config = File.ReadAllLines(configPath)
    .Select(l => l.Trim())
    .Where(l => l.Length > 0 && !l.StartsWith('#') && l.Contains('='))
    .ToDictionary(l => l[..l.IndexOf('=')].Trim(), l => l[(l.IndexOf('=') + 1)..].Trim());
var token = Environment.GetEnvironmentVariable("SAMPLE_API_TOKEN");
Console.WriteLine($"{config.GetValueOrDefault("greeting", "hello")} (release {config.GetValueOrDefault("release", "?")}, host {config.GetValueOrDefault("host", "?")})");
// Prints the secret on purpose: the build log must show *** instead.
Console.WriteLine($"api token: {token}");
Console.WriteLine($"running from {AppContext.BaseDirectory}");
