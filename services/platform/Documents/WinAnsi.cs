namespace Ppid.Platform.Documents;

/// <summary>
/// WinAnsiEncoding (PDF 32000 Annex D), the encoding of the standard 14 fonts: Latin-1 plus the
/// typographic marks (€ ‘ ’ “ ” – — … • ™ and a few letters) at 0x80–0x9F. Bahasa Indonesia needs
/// no more than this. A character WinAnsi cannot encode becomes '?', control characters (tab, new
/// line) become a space.
/// </summary>
public static class WinAnsi
{
    // 0x80–0x9F; '\0' marks a code WinAnsi leaves undefined.
    private const string High = "€\0‚ƒ„…†‡ˆ‰Š‹Œ\0Ž\0\0‘’“”•–—˜™š›œ\0žŸ";

    private static readonly Dictionary<char, byte> FromHigh = High
        .Select((c, i) => (c, b: (byte)(0x80 + i)))
        .Where(x => x.c != '\0')
        .ToDictionary(x => x.c, x => x.b);

    public static byte Encode(char c) => c switch
    {
        < ' ' => (byte)' ',
        < '\u007f' => (byte)c,
        >= '\u00a0' and <= '\u00ff' => (byte)c,
        _ => FromHigh.TryGetValue(c, out var b) ? b : (byte)'?',
    };

    public static byte[] Encode(string text) => [.. text.Select(Encode)];

    public static char Decode(byte b) => b is >= 0x80 and <= 0x9f && High[b - 0x80] != '\0' ? High[b - 0x80] : (char)b;

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) chars[i] = Decode(bytes[i]);
        return new string(chars);
    }
}
