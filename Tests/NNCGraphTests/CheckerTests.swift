import NNCGraph
import NNCSpec
import Testing

/// The checker's errors and warnings: where they point and what they say.
@Suite struct CheckerTests {
    @Test func addMismatchNamesBothShapesAndWhereTheyCameFrom() throws {
        let (_, diagnostics) = check(
            """
            input: [784]
            layers:
              - dense: {units: 128, name: fc1}
              - dense: {units: 64, name: fc2, inputs: [input]}
              - add: {inputs: [fc1, fc2]}
            """)
        #expect(codes(diagnostics) == ["E0301@5:25"])
        let d = try #require(diagnostics.first)
        #expect(d.message == "'add' operands must have equal sizes, or 1 where they differ; got [B, 128] and [B, 64]")
        #expect(d.labels.map(\.message) == ["'fc1' outputs [B, 128]", "'fc2' outputs [B, 64]"])
        #expect(d.labels.map(\.location.column) == [20, 25])
        #expect(d.help == "set 'units: 128' on 'fc2'")
    }

    /// Merges broadcast as Keras's do: aligned at the last axes, size 1 (or a missing axis)
    /// repeats; sizes that differ with neither 1 are E0301, naming the operand that cannot fit.
    @Test func mergesBroadcastSizeOneAxes() throws {
        func merged(_ second: String, _ kind: String = "multiply") -> (String?, [String]) {
            let (graph, diagnostics) = check(
                """
                input: [4, 6, 8]
                layers:
                  - conv2d: {filters: 8, kernel: 1, name: x}
                  - \(second)
                  - \(kind): {inputs: [x, other], name: merged}
                """)
            let shape = graph?.nodes.first { $0.name == "merged" }?.shape?.description
            return (shape, codes(diagnostics))
        }
        #expect(
            merged("global_avgpool: {inputs: [x]}\n  - reshape: {shape: [1, 1, 8], name: other}").0 == "[B, 4, 6, 8]")
        #expect(merged("global_avgpool: {inputs: [x], name: other}", "add").0 == "[B, 4, 6, 8]")
        #expect(merged("conv2d: {filters: 1, kernel: 1, inputs: [x], name: other}", "maximum").0 == "[B, 4, 6, 8]")
        let mismatched = merged("conv2d: {filters: 4, kernel: 1, inputs: [x], name: other}").1
        #expect(mismatched.count == 1 && mismatched[0].hasPrefix("E0301"))
    }

    /// A trailing dropout passes on what its input ends in: a softmax before it suits
    /// cross-entropy, and a recurrent layer's own tanh is not taken for the output's.
    @Test func theOutputActivationIsReadThroughATrailingDropout() {
        let softmax = check(
            """
            input: [4]
            layers: [{dense: 3}, softmax, {dropout: 0.5}]
            loss: categorical_crossentropy
            """
        ).1
        #expect(codes(softmax) == [])
        let recurrent = check(
            """
            input: [5, 4]
            layers: [{lstm: 3}, {dropout: 0.5}]
            loss: categorical_crossentropy
            """
        ).1
        #expect(
            recurrent.map(\.message).contains(
                "categorical cross-entropy expects probabilities from a softmax output; 'dropout' ends in linear"))
    }

    @Test func oneBadLayerGivesOneError() {
        let (_, diagnostics) = check(
            """
            input: [28, 28, 1]
            layers:
              - conv2d: {filters: 8, kernel: 30}
              - maxpool2d: 2
              - conv2d: [16, 5]
              - flatten
              - dense: 10
            """)
        #expect(codes(diagnostics) == ["E0307@3:34"])
    }

    @Test func independentErrorsAreAllReported() {
        let (_, diagnostics) = check(
            """
            input: [32, 32, 3]
            layers:
              - conv2d: {filters: 8, kernel: 3, name: a}
              - conv2d: {filters: 6, kernel: 3, groups: 4, inputs: [input], name: b}
              - reshape: {shape: [10, 10], inputs: [a]}
              - conv2d: {filters: 4, kernel: 3, padding: causal, inputs: [a]}
              - dense: {units: 3, inputs: [a, nope]}
            """)
        #expect(codes(diagnostics) == ["E0309@4:45", "E0308@5:22", "E0311@6:46", "E0303@7:35"])
    }

    @Test func convOnFlatInputSuggestsAReshape() throws {
        let (_, diagnostics) = check("input: [784]\nlayers:\n  - conv2d: [6, 5]\n")
        #expect(codes(diagnostics) == ["E0306@3:5"])
        #expect(diagnostics.first?.help == "reshape first: `- reshape: [28, 28, 1]`")
    }

    @Test func cyclesAndDuplicatesAndSelfReferences() {
        let (_, cycle) = check(
            """
            input: [4]
            layers:
              - dense: {units: 4, name: a, inputs: [c]}
              - dense: {units: 4, name: b, inputs: [a]}
              - dense: {units: 4, name: c, inputs: [b]}
            """)
        #expect(codes(cycle) == ["E0305@3:5"])
        #expect(cycle.first?.message == "layers must not form a cycle; 'a' → 'b' → 'c' → 'a'")
        let (_, duplicate) = check(
            "input: [4]\nlayers:\n  - dense: {units: 4, name: a}\n  - dense: {units: 4, name: a}\n")
        #expect(codes(duplicate) == ["E0304@4:29"])
    }

    @Test func wrongInputCounts() {
        let (_, diagnostics) = check(
            """
            input: [4]
            layers:
              - dense: {units: 4, name: a}
              - add: {inputs: [a]}
              - dense: {units: 4, inputs: [a, input]}
            """)
        #expect(codes(diagnostics).sorted() == ["E0312@4:5", "E0312@5:35"])
    }

    @Test func stridesThatDropRowsWarn() {
        let (_, diagnostics) = check(
            "input: [28, 28, 1]\nlayers:\n  - conv2d: {filters: 4, kernel: 3, stride: 2}\n  - flatten\n  - dense: 10\n")
        #expect(codes(diagnostics) == ["W0301@3:45"])
        #expect(diagnostics.allSatisfy { $0.severity == .warning })
    }

    @Test func deadBranchesWarnOncePerBranch() {
        let (_, diagnostics) = check(
            """
            input: [8]
            layers:
              - dense: {units: 8, name: trunk}
              - dense: {units: 4, name: side1, inputs: [trunk]}
              - dense: {units: 4, name: side2}
              - dense: {units: 2, inputs: [trunk]}
            """)
        #expect(codes(diagnostics) == ["W0302@5:5"])
    }

    @Test func lossMustFitTheOutput() {
        let (_, softmaxBinary) = check(
            "input: [8]\nlayers: [{dense: {units: 3, activation: softmax}}]\nloss: binary_crossentropy\n")
        #expect(codes(softmaxBinary) == ["E0310@3:7"])
        let (_, oneUnit) = check(
            "input: [8]\nlayers: [{dense: {units: 1, activation: softmax}}]\nloss: categorical_crossentropy\n")
        #expect(codes(oneUnit) == ["E0310@3:7"])
        let (_, linear) = check("input: [8]\nlayers: [{dense: 3}]\nloss: categorical_crossentropy\n")
        #expect(codes(linear) == ["E0310@3:7"])
        let (_, logits) = check(
            "input: [8]\nlayers: [{dense: 3}]\nloss: {categorical_crossentropy: {from_logits: true}}\n")
        #expect(logits.isEmpty)
        let (_, doubleSoftmax) = check(
            "input: [8]\nlayers: [{dense: {units: 3, activation: softmax}}]\nloss: {categorical_crossentropy: {from_logits: true}}\n"
        )
        #expect(codes(doubleSoftmax) == ["W0304@3:48"])
        let (_, classes) = check(
            "input: [8]\nlayers: [{dense: {units: 3, activation: softmax}}]\nloss: categorical_crossentropy\ndata: {preprocess: {classes: 10}}\n"
        )
        #expect(codes(classes) == ["E0310@4:30"])
    }

    @Test func metricsMustFitTheOutput() {
        let (_, diagnostics) = check(
            "input: [8]\nlayers: [{dense: {units: 5, activation: softmax}}]\nloss: categorical_crossentropy\nmetrics: [{top_k_accuracy: 5}]\n"
        )
        #expect(codes(diagnostics) == ["E0314@4:28"])
        let (_, regression) = check("input: [8]\nlayers: [{dense: 1}]\nloss: mse\nmetrics: [accuracy, mae]\n")
        #expect(codes(regression) == ["E0314@4:11"])
    }

    @Test func schedulesMustFitTheRun() {
        let (_, diagnostics) = check(
            """
            input: [8]
            layers: [{dense: 1}]
            loss: mse
            schedule: {warmup: {duration: 20, unit: epochs}}
            momentum_schedule: {linear: {from: 0.5, to: 0.9, duration: 5, unit: epochs}}
            train: {epochs: 10}
            """)
        #expect(codes(diagnostics) == ["E0209@4:31"])
        let (_, piecewise) = check(
            """
            input: [8]
            layers: [{dense: 1}]
            schedule: {piecewise: {boundaries: [5, 3, 12], values: [0.1, 0.01], unit: epochs}}
            train: {epochs: 10}
            """)
        #expect(codes(piecewise) == ["E0211@3:40", "E0210@3:43", "E0211@3:56"])
    }

    @Test func deepSigmoidStacksWithTinyInitWarn() {
        let layers = (0..<5).map { _ in "  - dense: {units: 32, activation: sigmoid}" }.joined(separator: "\n")
        let (_, diagnostics) = check(
            "input: [8]\ninit: {weights: {normal: {std: 0.01}}}\nlayers:\n\(layers)\n  - dense: 1\n")
        #expect(codes(diagnostics) == ["W0303@4:5"])
        let (_, fine) = check("input: [8]\nlayers:\n\(layers)\n  - dense: 1\n")
        #expect(fine.isEmpty)
    }

    @Test func recurrentAndEmbeddingShapes() throws {
        let (graph, diagnostics) = check(
            """
            input: [200]
            layers:
              - embedding: [10000, 64]
              - bidirectional: {lstm: {units: 32, return_sequences: true}}
              - gru: 16
              - dense: {units: 1, activation: sigmoid}
            loss: binary_crossentropy
            """)
        #expect(diagnostics.isEmpty)
        #expect(graph?.nodes.map { $0.shape?.dims ?? [] } == [[200], [200, 64], [200, 64], [16], [1]])
        let (_, flat) = check("input: [28, 28, 1]\nlayers: [{lstm: 8}]\n")
        #expect(codes(flat) == ["E0306@2:11"])
        #expect(flat.first?.help == "reshape images to rows as timesteps, e.g. `- reshape: [28, 28]`")
    }

    /// A recurrent layer (or a conv1d) after one that returns only its last step is told to
    /// ask for every step, not to reshape the last one into a fake sequence.
    @Test func stackedRecurrentLayersAreToldToReturnSequences() throws {
        let (_, stacked) = check("input: [28, 28]\nlayers:\n  - lstm: {units: 32, name: first}\n  - lstm: 16\n")
        #expect(codes(stacked) == ["E0306@4:5"])
        #expect(
            stacked.first?.help
                == "set `return_sequences: true` on 'first': it then outputs every step [timesteps, units], not only the last"
        )
        // Through layers that work per step once it does, and with the layer named in a label.
        let (_, through) = check(
            "input: [28, 28]\nlayers:\n  - gru: {units: 32, name: first}\n  - dropout: 0.2\n  - layernorm\n  - simple_rnn: 8\n"
        )
        let d = try #require(through.first)
        #expect(d.help?.hasPrefix("set `return_sequences: true` on 'first'") == true, "\(d.help ?? "")")
        #expect(d.labels.map(\.message).contains("'first' returns only its last step"))
        let (_, bidirectional) = check("input: [20, 8]\nlayers:\n  - bidirectional: {lstm: 8}\n  - lstm: 4\n")
        #expect(
            bidirectional.first?.help?.hasPrefix(
                "set `return_sequences: true` on the recurrent layer inside 'bidirectional'") == true)
        let (_, convolution) = check("input: [20, 8]\nlayers:\n  - lstm: {units: 8, name: rnn}\n  - conv1d: [4, 3]\n")
        #expect(
            convolution.first?.help?.hasPrefix("set `return_sequences: true` on 'rnn'") == true,
            "\(convolution.map(\.message))")
        // A plain vector still gets the reshape.
        let (_, vector) = check("input: [28]\nlayers: [{lstm: 8}]\n")
        #expect(vector.first?.help == "reshape the input to [timesteps, features], e.g. `- reshape: [28, 1]`")
    }

    @Test func dataSectionsMustBeComplete() {
        let (_, diagnostics) = check(
            """
            input: [4]
            layers: [{dense: {units: 3, activation: softmax}}]
            loss: categorical_crossentropy
            train: {validation_split: 0.1}
            data:
              train: {path: iris.csv, images: x}
              validation: {format: idx, images: a-ubyte}
              test: {images: faces}
            """)
        // `images` without `labels` is an image folder, whose model input must be [h, w, channels].
        #expect(
            codes(diagnostics) == [
                "E0310@3:7", "E0206@4:27", "W0202@6:17", "E0206@6:35", "E0205@7:15", "W0202@7:37", "E0306@8:18",
                "W0202@8:18",
            ])
        let (_, sparse) = check(
            """
            input: [4]
            layers: [{dense: {units: 3, activation: softmax}}]
            loss: sparse_categorical_crossentropy
            data: {train: {path: iris.csv}, preprocess: {one_hot: true}}
            """)
        #expect(codes(sparse).filter { $0.hasPrefix("E") } == ["E0310@4:55"])
    }

    /// Trees fill rows of [token id, child rows …]: the input must be [nodes, 1 + max children],
    /// and the rows are not scaled.
    @Test func treesNeedARowPerNode() throws {
        func errors(_ input: String, _ data: String = "") -> [Diagnostic] {
            check(
                "input: \(input)\nlayers: [flatten, {dense: 2}]\ndata:\n  train: {format: trees, path: t.txt}\n\(data)"
            ).1.filter { $0.severity == .error }
        }
        let rank1 = errors("[11]")
        #expect(codes(rank1) == ["E0306@4:32"])
        #expect(
            rank1.first?.message
                == "trees feed a model whose input is [nodes, 1 + max children], the second size at least 2; the input is [11]"
        )
        #expect(codes(errors("[11, 1]")) == ["E0306@4:32"] && codes(errors("[11, 3, 1]")) == ["E0306@4:32"])
        #expect(errors("[11, 3]").isEmpty && errors("[1, 2]").isEmpty)
        let scaled = errors("[11, 3]", "  preprocess: {scale: 0.5}\n")
        #expect(codes(scaled) == ["E0206@5:23"])
        #expect(scaled.first?.message == "'scale' applies to real-valued inputs and images, not to tree rows")
    }
}
