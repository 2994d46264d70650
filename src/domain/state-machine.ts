/** An action on a record: the states it may start from and the states it may lead to. */
export interface Transition<S extends string> {
  readonly from: readonly S[];
  readonly to: readonly S[];
}

/** Whether `action` may start from `state`. */
export const allows = <S extends string>(action: Transition<S>, state: S): boolean => action.from.includes(state);

/** Every move a set of actions allows: from each state, the states it may go to. */
export function transitionsOf<S extends string>(actions: Record<string, Transition<S>>): Map<S, Set<S>> {
  const moves = new Map<S, Set<S>>();
  for (const action of Object.values(actions)) {
    for (const from of action.from) {
      const next = moves.get(from) ?? new Set<S>();
      for (const to of action.to) next.add(to);
      moves.set(from, next);
    }
  }
  return moves;
}

/** The states whose rule has `flag` set, in the order of `states`. */
export const statesWhere = <S extends string, R>(states: readonly S[], rules: Record<S, R>, flag: (rule: R) => boolean): S[] =>
  states.filter((s) => flag(rules[s]));
