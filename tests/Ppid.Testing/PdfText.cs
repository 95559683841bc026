using System.Text;
using System.Text.RegularExpressions;
using Ppid.Platform.Documents;

namespace Ppid.Testing;

/// <summary>
/// Reads the text a PDF shows, from its uncompressed content streams: the string operands of the
/// text-showing operators (Tj, TJ, ', ") inside BT…ET blocks, literal or hex, as WinAnsi, one shown
/// string per line joined by spaces. Enough for what services/platform/Documents/PdfWriter writes
/// (WinAnsi fonts, uncompressed content) — not a general PDF reader.
/// </summary>
public static partial class PdfText
{
    public static string Extract(byte[] pdf)
    {
        var text = Encoding.Latin1.GetString(pdf);
        var lines = new List<string>();
        foreach (Match block in TextBlock().Matches(text))
        {
            foreach (Match show in ShowOperator().Matches(block.Groups[1].Value))
            {
                var operand = show.Groups["arr"].Success ? show.Groups["arr"].Value : show.Groups["str"].Value;
                var line = new StringBuilder();
                foreach (Match s in StringOperand().Matches(operand))
                    line.Append(s.Groups["lit"].Success ? Literal(s.Groups["lit"].Value) : Hex(s.Groups["hex"].Value));
                lines.Add(line.ToString());
            }
        }
        return string.Join(" ", lines);
    }

    private static string Literal(string s)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c != '\\') { bytes.Add((byte)c); continue; }
            var n = s[++i];
            switch (n)
            {
                case 'n': bytes.Add((byte)'\n'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case 'b': bytes.Add(8); break;
                case 'f': bytes.Add(12); break;
                case >= '0' and <= '7':
                    var octal = new string(s.Skip(i).TakeWhile(ch => ch is >= '0' and <= '7').Take(3).ToArray());
                    bytes.Add((byte)Convert.ToInt32(octal, 8));
                    i += octal.Length - 1;
                    break;
                default: bytes.Add((byte)n); break;
            }
        }
        return WinAnsi.Decode(bytes.ToArray());
    }

    private static string Hex(string hex)
    {
        hex = new string(hex.Where(Uri.IsHexDigit).ToArray());
        if (hex.Length % 2 == 1) hex += "0";
        return WinAnsi.Decode(Convert.FromHexString(hex));
    }

    [GeneratedRegex(@"\bBT\b(.*?)\bET\b", RegexOptions.Singleline)]
    private static partial Regex TextBlock();

    [GeneratedRegex(@"(?:(?<arr>\[(?:\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>|[^\]])*\])\s*TJ)|(?:(?<str>\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)\s*(?:Tj|'|""))", RegexOptions.Singleline)]
    private static partial Regex ShowOperator();

    [GeneratedRegex(@"\((?<lit>(?:\\.|[^\\)])*)\)|<(?<hex>[0-9A-Fa-f\s]*)>", RegexOptions.Singleline)]
    private static partial Regex StringOperand();
}
