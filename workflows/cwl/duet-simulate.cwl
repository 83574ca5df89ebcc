#!/usr/bin/env cwl-runner
# duet simulate: a synthetic cohort with known truth (see duet-simulate(1)).
cwlVersion: v1.2
class: CommandLineTool
baseCommand: [duet, simulate]
requirements:
  ResourceRequirement: {coresMin: 1}
inputs:
  samples: {type: int, default: 1000, inputBinding: {prefix: --samples}}
  variants: {type: int, default: 10000, inputBinding: {prefix: --variants}}
  polygenic_h2: {type: "float?", inputBinding: {prefix: --polygenic-h2}}
  polygenic_causal: {type: "int?", inputBinding: {prefix: --polygenic-causal}}
  seed: {type: int, default: 1, inputBinding: {prefix: --seed}}
  threads: {type: int, default: 1, inputBinding: {prefix: --threads}}
  out: {type: string, default: cohort, inputBinding: {prefix: -o}}
outputs:
  cohort: {type: Directory, outputBinding: {glob: $(inputs.out)}}
  genotypes:
    type: File
    secondaryFiles: [.csi]
    outputBinding: {glob: $(inputs.out)/genotypes.bcf}
  pheno: {type: File, outputBinding: {glob: $(inputs.out)/pheno.tsv}}
  covar: {type: File, outputBinding: {glob: $(inputs.out)/covar.tsv}}
