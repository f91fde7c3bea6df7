import Foundation
import Testing

@testable import NNCData

/// Every way a text data file (CSV, token and text sequences) can be wrong, by its full
/// rendered diagnostic: file:line:column, the line quoted, what was expected.
@Suite struct TextErrorTests {
    let scratch = Scratch()

    func csv(_ text: String, labels: LabelMode = .classes, options: (String) -> CSVOptions = { CSVOptions(path: $0) })
        -> String
    {
        let path = scratch.write("data.csv", text: text)
        return rendered { _ = try DataReader.read(.csv(options(path)), labels: labels) }.replacingOccurrences(
            of: path, with: "data.csv")
    }

    @Test func recordWithTooFewOrTooManyValues() {
        #expect(
            csv("0,5.1,3.5\n1,7.0\n") == """
                data.csv:2:6: error: CSV records hold 3 values each, as the first record (line 1) does; line 2 holds 2 [E0502]
                2 | 1,7.0
                  |      `- error: 1 missing

                """)
        #expect(
            csv("0,5.1,3.5\n1,7.0,3.2,4.7\n") == """
                data.csv:2:11: error: CSV records hold 3 values each, as the first record (line 1) does; line 2 holds 4 [E0502]
                2 | 1,7.0,3.2,4.7
                  |           `- error: extra values start here

                """)
        #expect(
            csv("a,b,c\n0,1,2\n0,1\n", options: { CSVOptions(path: $0, header: true) }) == """
                data.csv:3:4: error: CSV records hold 3 values each, as the header (line 1) does; line 3 holds 2 [E0502]
                3 | 0,1
                  |    `- error: 1 missing

                """)
    }

    @Test func blankLineInTheMiddleIsARecordButTrailingBlankLinesAreNot() throws {
        #expect(
            csv("0,1,2\n\n1,2,3\n") == """
                data.csv:2:1: error: CSV records hold 3 values each, as the first record (line 1) does; line 2 holds 1 [E0502]
                2 | 
                  | `- error: 2 missing
                help: remove the blank line

                """)
        let path = scratch.write("ok.csv", text: "0,1,2\r\n1,2,3\r\n\r\n\n")
        #expect(try DataReader.read(.csv(CSVOptions(path: path)), labels: .classes).count == 2)
    }

    @Test func valuesThatAreNotNumbers() {
        #expect(
            csv("0,5.1,abc\n") == """
                data.csv:1:7: error: CSV feature values are finite decimal numbers; 'abc' is not [E0502]
                1 | 0,5.1,abc
                  |       `- error: not a number

                """)
        #expect(
            csv("0,5.1,\n") == """
                data.csv:1:7: error: CSV feature values are finite decimal numbers; '' is not [E0502]
                1 | 0,5.1,
                  |       `- error: empty value

                """)
        #expect(
            csv("0,1e5x,nan\n") == """
                data.csv:1:3: error: CSV feature values are finite decimal numbers; '1e5x' is not [E0502]
                1 | 0,1e5x,nan
                  |   `- error: not a number

                """)
        #expect(
            csv("0,1,nan\n") == """
                data.csv:1:5: error: CSV feature values are finite decimal numbers; 'nan' is NaN [E0506]
                1 | 0,1,nan
                  |     `- error: not finite
                help: replace or drop the missing values before training (fill them with the column's mean, or remove the record)

                """)
    }

    @Test func classLabelsAreWholeNumbersAtLeastZero() {
        #expect(
            csv("0,1,2\n1.5,1,2\n") == """
                data.csv:2:1: error: class labels are whole numbers ≥ 0; got '1.5' [E0502]
                2 | 1.5,1,2
                  | `- error: not a whole number
                help: for real-valued targets use a regression loss (mse, mae)

                """)
        #expect(
            csv("0,1,2\n-1,1,2\n") == """
                data.csv:2:1: error: class labels are whole numbers ≥ 0; got '-1' [E0503]
                2 | -1,1,2
                  | `- error: outside 0..<2147483647

                """)
        #expect(
            csv("0,1,2\ncat,1,2\n") == """
                data.csv:2:1: error: CSV labels must be decimal numbers; 'cat' is not [E0502]
                2 | cat,1,2
                  | `- error: not a number

                """)
    }

    @Test func columnsThatDoNotExist() {
        #expect(
            csv("0,1,2\n", options: { CSVOptions(path: $0, labelColumn: -4) }) == """
                data.csv:1:1: error: the label column -4 must name one of the file's 3 columns (0 to 2, or -1 to -3 from the end) [E0504]
                1 | 0,1,2
                  | `- error: 3 columns

                """)
        #expect(
            csv("0,1,2\n", options: { CSVOptions(path: $0, featureColumns: [1, 1]) }) == """
                data.csv:1:1: error: feature columns are distinct and differ from the label column; column 1 is listed twice [E0504]
                1 | 0,1,2
                  | `- error: 3 columns

                """)
        #expect(
            csv("", options: { CSVOptions(path: $0) }) == """
                data.csv: error: a data file holds at least one record; 'data.csv' has none [E0504]

                """)
    }

    @Test func tokenLines() {
        func tokens(_ text: String, vocabulary: Int = 100) -> String {
            let path = scratch.write("seq.tsv", text: text)
            return rendered {
                _ = try DataReader.read(
                    .tokens(path: path, SequenceOptions(timesteps: 4, vocabularySize: vocabulary)), labels: .classes)
            }
            .replacingOccurrences(of: path, with: "seq.tsv")
        }
        #expect(
            tokens("1\t4 5 6\n0 4 5\n") == """
                seq.tsv:2:1: error: token lines are 'label<TAB>ids'; line 2 has no tab [E0502]
                2 | 0 4 5
                  | `- error: no tab on this line
                help: separate the label from the ids with one tab character

                """)
        #expect(
            tokens("1\t4 5 x6\n") == """
                seq.tsv:1:7: error: token ids are whole numbers ≥ 0 separated by spaces; 'x6' is not one [E0502]
                1 | 1\t4 5 x6
                  |       `- error: not a token id

                """)
        #expect(
            tokens("1\t4 5 6\n2\t7 120 3\n") == """
                seq.tsv:2:5: error: token ids must lie below the vocabulary size 100; got 120 [E0503]
                2 | 2\t7 120 3
                  |     `- error: ≥ 100
                help: raise the embedding's input_dim above 120, or map rare ids to an <unk> id

                """)
    }

    @Test func textWhoseCharactersOutnumberTheVocabulary() {
        let path = scratch.write("text.tsv", text: "0\tabcdef\n")
        #expect(
            rendered {
                _ = try DataReader.read(
                    .text(path: path, SequenceOptions(timesteps: 4, vocabularySize: 5)), labels: .classes)
            }
            .replacingOccurrences(of: path, with: "text.tsv") == """
                text.tsv: error: character ids must fit the model's vocabulary; 'text.tsv' uses 6 characters, 8 ids with padding and <unk>, but the vocabulary size is 5 [E0504]
                help: raise the embedding's input_dim to 8

                """)
    }

    @Test func columnsCountUnicodeScalars() {
        // Column 2 ('é', two bytes in UTF-8) is not a feature and never parsed.
        #expect(
            csv("0,1,é,x\n", options: { CSVOptions(path: $0, featureColumns: [1, 3]) }) == """
                data.csv:1:7: error: CSV feature values are finite decimal numbers; 'x' is not [E0502]
                1 | 0,1,é,x
                  |       `- error: not a number

                """)
    }
}
